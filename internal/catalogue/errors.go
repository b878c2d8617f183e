package catalogue

import "github.com/derbes-kz/derbes"

// parseError is a *derbes.Error (what transports map to a status) that
// also keeps the error it was made from, so that errors.As finds both.
type parseError struct {
	err   *derbes.Error
	cause error
}

func (e *parseError) Error() string { return e.err.Error() }

func (e *parseError) Unwrap() []error {
	if e.cause == nil {
		return []error{e.err}
	}
	return []error{e.err, e.cause}
}

// invalid returns an EInvalid error for field breaking rule, keeping cause
// (which may be nil) in the chain. Catalogue texts hold no personal values,
// so the messages may quote keys and codes.
func invalid(field, rule, msg string, cause error) error {
	return &parseError{err: derbes.Invalid(field, rule, msg), cause: cause}
}
