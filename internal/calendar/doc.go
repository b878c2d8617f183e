// Package calendar counts Kazakhstan's working days, for the legal terms
// of personal-data law: a reasoned refusal of a consent withdrawal within
// 15 working days, subject requests within 1 or 3, a breach notice within
// 1 (R-RIGHTS-3, R-BASIS-3).
//
// A day is worked when it is Monday to Friday and none of these makes it
// off, applied in this order because each is decided knowing the ones
// before it:
//
//  1. a holiday: the public holidays of the Law "On holidays" (Art. 5) and
//     the religious days off of Labour Code Art. 84 p.5 (7 January and the
//     first day of Kurban Ait);
//  2. the weekend-move rule: when a public holiday falls on a Saturday or
//     Sunday, the next working day after it is off. Consecutive holidays
//     are passed over, so Nauryz 2026 (Saturday 21 to Monday 23 March)
//     gives Tuesday 24 and Wednesday 25 March off. Religious days off are
//     not moved;
//  3. the year's transfers by the labour authority (Labour Code Art. 85
//     p.3, formerly by government decree): a weekday made a day off, an
//     ordinary weekend day made a working day.
//
// The rules are data, not code, because they change by law and by order
// more often than derbes is released. data/holidays.json holds the
// holidays; data/NNNN.json holds one year's Kurban Ait date and
// transfers. Both are embedded (Default), and LoadDir lets an operator
// replace or add year files from a directory without a release.
//
// holidays.json:
//
//	{"note": "…", "holidays": [
//	  {"date": "03-21", "name": "Nauryz meiramy", "reference": "…", "weekend_move": true},
//	  {"date": "10-25", …, "from": 2022},            // in force from 2022
//	  {"date": "12-17", …, "until": 2021},           // in force until 2021
//	  {"yearly": "kurban_ait", "name": "…", "reference": "…", "weekend_move": false}]}
//
// NNNN.json:
//
//	{"year": 2025, "note": "…",
//	 "kurban_ait": {"date": "2025-06-06", "reference": "…"},
//	 "transfers": [
//	   {"date": "2025-01-03", "kind": "day-off", "reference": "…"},
//	   {"date": "2025-01-05", "kind": "working-day", "reference": "…"}]}
//
// Every field is checked: unknown or repeated keys, a date that does not
// exist or lies outside its file's year, a date given twice, a transfer
// that would make a holiday a working day. A reference that is not
// certain is marked "[check]" in the data, to be confirmed by a lawyer.
//
// A year without a file still has its fixed holidays and their moves, but
// not Kurban Ait or transfers; Covered tells callers, who may warn that a
// deadline there is provisional.
//
// Dates are read in Asia/Almaty, a fixed UTC+5 (Kazakhstan's single zone
// since 1 March 2024): a request received at 20:00 UTC is received on the
// next day in Kazakhstan, and that is the day the law counts from.
package calendar
