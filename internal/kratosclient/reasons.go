package kratosclient

import (
	"errors"
	"net/http"
	"strings"
)

// Kratos v1.3.1 tells some failures apart only by the words of its error reason. Each
// predicate below knows one such wording, so that a change of wording is fixed here alone;
// each is tested against the real Kratos.
//
// concurrentUpdateReason is how Kratos (sqlcon.ErrConcurrentUpdate) reports a write that lost a
// serialization conflict with another transaction; the transaction was rolled back.
const concurrentUpdateReason = "concurrent update in another session"

// isConcurrentUpdate reports whether e is Kratos's 400 for a rolled-back conflicting write,
// which is safe to repeat whatever the method.
func isConcurrentUpdate(e *APIError) bool {
	return reasonIs(e, http.StatusBadRequest, concurrentUpdateReason)
}

// IsHashRejected reports whether err is Kratos refusing an imported password hash whose format
// it does not know (400 "does not match any known hash format").
func IsHashRejected(err error) bool {
	return errReasonIs(err, http.StatusBadRequest, "known hash format")
}

// IsUnknownSchema reports whether err is Kratos refusing an identity whose schema_id names no
// configured identity schema (400 "Unable to find JSON Schema ID").
func IsUnknownSchema(err error) bool {
	return errReasonIs(err, http.StatusBadRequest, "JSON Schema ID")
}

// IsSchemaViolation reports whether err is Kratos refusing traits that break the identity
// schema: its reason then names the place in the traits as I[#/…].
func IsSchemaViolation(err error) bool { return errReasonIs(err, http.StatusBadRequest, "I[#/") }

// IsEmptyIdentifier reports whether err is Kratos's 500 for a login identifier that is empty
// after trimming ("missing or empty identifier"): it cannot store such a credential.
func IsEmptyIdentifier(err error) bool {
	return errReasonIs(err, http.StatusInternalServerError, "missing or empty identifier")
}

// IsMethodDisabled reports whether err is Kratos's 404 for a self-service method (such as
// link recovery) that its configuration disables.
func IsMethodDisabled(err error) bool { return errReasonIs(err, http.StatusNotFound, "disabled") }

// IsUnknownRecoveryIdentity reports whether err is the recovery link endpoint's 400 for an
// identity that does not exist (the code endpoint answers 404 instead).
func IsUnknownRecoveryIdentity(err error) bool {
	return errReasonIs(err, http.StatusBadRequest, "identity id does not exist")
}

// IsReturnURLRejected reports whether err is Kratos refusing a return_to URL that its
// selfservice.allowed_return_urls does not allow, or cannot parse.
func IsReturnURLRejected(err error) bool { return errReasonIs(err, http.StatusBadRequest, "return_to") }

// IsExpiryRejected reports whether err is Kratos refusing an expires_in that is not a
// positive duration.
func IsExpiryRejected(err error) bool { return errReasonIs(err, http.StatusBadRequest, "expires_in") }

// errReasonIs reports whether err holds an *APIError with status whose message or reason
// contains words.
func errReasonIs(err error, status int, words string) bool {
	var e *APIError
	return errors.As(err, &e) && reasonIs(e, status, words)
}

// reasonIs reports whether e has status and its message or detail (the reason, else the
// body) contains words.
func reasonIs(e *APIError, status int, words string) bool {
	return e.StatusCode == status && (strings.Contains(e.Message, words) || strings.Contains(e.Detail(), words))
}

// IsLastFirstFactor reports whether err is Kratos (v25.4.0 and later) refusing to delete an
// identity's last first-factor credential (400 "You cannot remove the last first factor credential.").
func IsLastFirstFactor(err error) bool {
	return errReasonIs(err, http.StatusBadRequest, "last first factor")
}
