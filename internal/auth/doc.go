// Package auth holds the credentials of staff sign-in (R-ACCESS-4): argon2id
// password hashes in the PHC string format and a password policy, TOTP
// second factors (RFC 6238) with their enrolment URI and QR code, single-use
// recovery codes, and opaque session tokens.
//
// The package is pure: it stores nothing, reads no clock of its own (times
// are arguments) and keeps nothing between calls. Callers persist what it
// returns (hashes, the last used TOTP step, recovery-code hashes, token
// hashes) and never the secrets themselves, except the TOTP secret, which
// both sides must know and which the caller seals with internal/vault.
//
// Everything that compares a secret does so in constant time. Password
// hashing is deliberately slow and memory-hungry (64 MiB per call with
// DefaultParams): callers should bound how many sign-ins hash at once.
package auth
