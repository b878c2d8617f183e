// Package derbes holds the domain of the derbes personal-data processing
// system: the catalogue of data categories and purposes, subjects, consents,
// permissions and the audit trail, with their rules as pure functions. It
// imports only the standard library; storage, cryptography and transport
// live in internal packages that depend on it, never the other way round.
package derbes

import (
	"errors"
	"fmt"
)

// ErrorCode classifies a domain error. Transports map it to a status in one
// table (internal/api for HTTP problem+json).
type ErrorCode string

// Error codes. They are part of the API contract (the problem "type").
const (
	EInvalid      ErrorCode = "invalid"      // the input breaks a rule
	ENotFound     ErrorCode = "not-found"    // no such object (or not visible)
	EForbidden    ErrorCode = "forbidden"    // no permission or no lawful basis
	EUnauthorized ErrorCode = "unauthorized" // no or bad credentials
	EConflict     ErrorCode = "conflict"     // the state does not allow it
	ETooLarge     ErrorCode = "too-large"    // body or batch over its limit
	ETooMany      ErrorCode = "too-many"     // rate limited
	EUnavailable  ErrorCode = "unavailable"  // shutting down, overloaded
	EInternal     ErrorCode = "internal"     // a bug or an outage: logged, generic to the caller
)

// Error is the one error type of the domain. Field names the input field
// (a JSON path such as "values.iin"), Rule names the rule that was broken
// (a stable machine-readable code such as "iin-checksum"). Message is for
// people and must never contain a personal value.
type Error struct {
	Code    ErrorCode
	Field   string
	Rule    string
	Message string
	// Problems lists every item when one refusal covers many (a transfer
	// refused whole names each subject and category that lacks a basis).
	Problems []Problem
}

func (e *Error) Error() string {
	switch {
	case e.Field != "" && e.Rule != "":
		return fmt.Sprintf("%s: %s (%s)", e.Field, e.Message, e.Rule)
	case e.Rule != "":
		return fmt.Sprintf("%s (%s)", e.Message, e.Rule)
	default:
		return e.Message
	}
}

// Invalid returns an EInvalid error for field breaking rule.
func Invalid(field, rule, msg string) *Error {
	return &Error{Code: EInvalid, Field: field, Rule: rule, Message: msg}
}

// Forbidden returns an EForbidden error; rule says which check refused.
func Forbidden(field, rule, msg string) *Error {
	return &Error{Code: EForbidden, Field: field, Rule: rule, Message: msg}
}

// NotFound returns an ENotFound error.
func NotFound(msg string) *Error { return &Error{Code: ENotFound, Rule: "not-found", Message: msg} }

// Errorf returns an error of the given code with a formatted message.
func Errorf(code ErrorCode, rule, format string, args ...any) *Error {
	return &Error{Code: code, Rule: rule, Message: fmt.Sprintf(format, args...)}
}

// AsError returns the *Error in err's chain, or nil.
func AsError(err error) *Error {
	var e *Error
	if errors.As(err, &e) {
		return e
	}
	return nil
}

// CodeOf returns the code of err: EInternal for anything that is not an *Error.
func CodeOf(err error) ErrorCode {
	if err == nil {
		return ""
	}
	if e := AsError(err); e != nil {
		return e.Code
	}
	return EInternal
}

// RuleOf returns the rule of err, or "internal" for errors that are not *Error.
func RuleOf(err error) string {
	if e := AsError(err); e != nil {
		return e.Rule
	}
	return "internal"
}
