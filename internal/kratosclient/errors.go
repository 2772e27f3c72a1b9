package kratosclient

import (
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"
)

// APIError is a non-success answer from Kratos (or from a proxy in front of it).
type APIError struct {
	// Method and URL identify the request; the URL carries no credentials.
	Method string
	URL    string
	// StatusCode is the HTTP status line's code, never the body's error.code, which can differ.
	StatusCode int
	// KratosCode is the error.code of Kratos's JSON error body; it is 0 when the body is not
	// one, as when a proxy in front of Kratos answered.
	KratosCode int
	// ID is the error.id of Kratos's error body, such as security_csrf_violation, when it has one.
	ID string
	// Message, Reason and Details come from Kratos's error body when it has one.
	Message string
	Reason  string
	Details map[string]any
	// Body holds a non-JSON body (for example a router's plain-text 404), cut to a short prefix.
	Body string
	// RetryAfter is the wait the server asked for, if any.
	RetryAfter time.Duration
	// Attempts is how many times the request was sent, the first try included.
	Attempts int
	// MayHaveBeenApplied is set when a gateway's 502 or 504 hid Kratos's answer to a request
	// that is not safe to repeat, which was therefore not sent again: Kratos may have applied it.
	MayHaveBeenApplied bool
}

// Error describes the failed call, Kratos's message and reason.
func (e *APIError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s %s: HTTP %d %s", e.Method, e.URL, e.StatusCode, http.StatusText(e.StatusCode))
	switch {
	case e.Message != "" && e.Reason != "" && e.Reason != e.Message:
		fmt.Fprintf(&b, ": %s (%s)", e.Message, e.Reason)
	case e.Message != "":
		fmt.Fprintf(&b, ": %s", e.Message)
	case e.Reason != "":
		fmt.Fprintf(&b, ": %s", e.Reason)
	case e.Body != "":
		fmt.Fprintf(&b, ": %s", e.Body)
	}
	return b.String()
}

// Detail is Kratos's most specific explanation: the reason when there is one, else the message.
func (e *APIError) Detail() string {
	if e.Reason != "" {
		return e.Reason
	}
	if e.Message != "" {
		return e.Message
	}
	return e.Body
}

// errorBody is the herodot error envelope.
type errorBody struct {
	Error *struct {
		Code    int            `json:"code"`
		ID      string         `json:"id"`
		Message string         `json:"message"`
		Reason  string         `json:"reason"`
		Details map[string]any `json:"details"`
	} `json:"error"`
}

// newAPIError builds an *APIError from a non-success response.
func newAPIError(method, u string, res *http.Response, body []byte) *APIError {
	e := &APIError{
		Method:     method,
		URL:        u,
		StatusCode: res.StatusCode,
		RetryAfter: parseRetryAfter(res.Header.Get("Retry-After"), time.Now()),
	}
	var eb errorBody
	if json.Unmarshal(body, &eb) == nil && eb.Error != nil {
		e.Message, e.Reason, e.Details = cutText(eb.Error.Message, maxErrorText), cutText(eb.Error.Reason, maxErrorText), eb.Error.Details
		e.KratosCode, e.ID = eb.Error.Code, cutText(eb.Error.ID, maxErrorText)
		return e
	}
	text := cutText(string(body), maxBodyText)
	if strings.ContainsFunc(text, func(r rune) bool { return r < ' ' && r != '\n' && r != '\t' }) {
		text = "(binary body)"
	}
	e.Body = text
	return e
}

// The most of a server's message, reason or non-JSON body that error text shows.
const (
	maxErrorText = 500
	maxBodyText  = 200
)

// cutText trims s and cuts it to at most n bytes. Error text ends up in Terraform diagnostics,
// protobuf strings that must be valid UTF-8: the cut may split a rune and proxies may send anything.
func cutText(s string, n int) string {
	s = strings.TrimSpace(s)
	if len(s) > n {
		s = s[:n] + "…"
	}
	return strings.ToValidUTF8(s, "\uFFFD")
}

// FromKratos reports whether the answer is Kratos's own error, a JSON body with error.code;
// a proxy's answer is not.
func (e *APIError) FromKratos() bool { return e.KratosCode != 0 }

// StatusCode returns the HTTP status of an *APIError in err's chain, or 0.
func StatusCode(err error) int {
	var e *APIError
	if errors.As(err, &e) {
		return e.StatusCode
	}
	return 0
}

// IsNotFound reports whether err is Kratos answering 404.
func IsNotFound(err error) bool { return StatusCode(err) == http.StatusNotFound }

// IsConflict reports whether err is Kratos answering 409.
func IsConflict(err error) bool { return StatusCode(err) == http.StatusConflict }

// IsBadRequest reports whether err is Kratos answering 400.
func IsBadRequest(err error) bool { return StatusCode(err) == http.StatusBadRequest }

// TransportError is a request that got no HTTP answer: refused connection, DNS, TLS, timeout or reset.
type TransportError struct {
	Method string
	URL    string
	Err    error
	// Attempts is how many times the request was sent, the first try included.
	Attempts int
	// MayHaveBeenApplied is set when the connection failed after a request that is not safe to
	// repeat was sent, so it was not sent again: Kratos may have applied it.
	MayHaveBeenApplied bool
	// sent is false only when the request certainly never reached the server.
	sent bool
}

// Error says which URL could not be reached and why, in words.
func (e *TransportError) Error() string {
	return fmt.Sprintf("%s %s: %s", e.Method, e.URL, describeTransport(e.Err))
}

// Unwrap returns the underlying error.
func (e *TransportError) Unwrap() error { return e.Err }

// MayHaveReachedServer reports whether the server may have received and acted on the request.
func (e *TransportError) MayHaveReachedServer() bool { return e.sent }

// RedirectError is a redirect the client does not follow: to another origin (the request's body
// and the configured API key and headers belong to the origin they were configured for), one that
// would turn a write into a GET (301, 302 and 303 do), or one hop too many. It is never retried.
type RedirectError struct {
	// Method and Path name the redirected request; the path carries no query.
	Method string
	Path   string
	// Origin answered with the redirect to Target (scheme, host and port).
	Origin string
	Target string
	// Status is the redirect's status code.
	Status int
	// Kind says why the redirect was not followed.
	Kind RedirectKind
	// FromPublicURL is set when the request went to the public URL rather than the admin URL.
	FromPublicURL bool
}

// RedirectKind says why a redirect was not followed.
type RedirectKind int

// The redirects the client refuses.
const (
	// RedirectCrossOrigin goes to another scheme, host or port.
	RedirectCrossOrigin RedirectKind = iota
	// RedirectChangesMethod is a 301, 302 or 303 of a write, which HTTP clients follow as a GET.
	RedirectChangesMethod
	// RedirectLoop is one hop past maxRedirects.
	RedirectLoop
)

// Error names the redirect without the request's body, query or headers.
func (e *RedirectError) Error() string {
	switch e.Kind {
	case RedirectChangesMethod:
		return fmt.Sprintf("%s answered %s %s with a %d redirect, which would turn the write into a GET; the client does not follow it, so nothing was written",
			e.Origin, e.Method, e.Path, e.Status)
	case RedirectLoop:
		return fmt.Sprintf("%s redirected %s %s more than %d times (a redirect loop); the client stopped following it", e.Origin, e.Method, e.Path, maxRedirects)
	default:
		return fmt.Sprintf("Kratos at %s redirected %s %s to another origin %s; the client does not follow it, so that credentials stay with the configured origin",
			e.Origin, e.Method, e.Path, e.Target)
	}
}

// AnswerError is a success status whose body is not what the request can return: larger than
// such an answer can be, not the expected JSON, another identity than the one asked for, or
// traits that are not an object. A proxy or a broken server in between is the likely cause.
// Nothing is written to the state on the strength of it.
type AnswerError struct {
	Method string
	URL    string
	Status int
	// Problem says what is wrong with the answer.
	Problem string
	// MayHaveBeenApplied is set for a write that is not safe to repeat: Kratos may have carried
	// it out although its answer is unusable.
	MayHaveBeenApplied bool
}

// Error names the request, the status and what is wrong with the answer.
func (e *AnswerError) Error() string {
	return fmt.Sprintf("%s %s: HTTP %d, but %s", e.Method, e.URL, e.Status, e.Problem)
}

// MayHaveBeenApplied reports whether err is a failed write that Kratos may nevertheless have
// carried out, and that the client therefore did not send again: its answer was lost to a
// broken connection or a gateway's 502 or 504.
func MayHaveBeenApplied(err error) bool {
	var apiErr *APIError
	var tErr *TransportError
	var answerErr *AnswerError
	switch {
	case errors.As(err, &answerErr):
		return answerErr.MayHaveBeenApplied
	case errors.As(err, &apiErr):
		return apiErr.MayHaveBeenApplied
	case errors.As(err, &tErr):
		return tErr.MayHaveBeenApplied
	default:
		return false
	}
}

// describeTransport turns common network failures into a sentence.
func describeTransport(err error) string {
	var dnsErr *net.DNSError
	var opErr *net.OpError
	if kind := TLSFailureOf(err); kind != NotTLSFailure {
		return describeTLS(kind, err)
	}
	switch {
	case errors.As(err, &dnsErr):
		return fmt.Sprintf("the host name %q could not be resolved: %v", dnsErr.Name, dnsErr.Err)
	case IsTimeout(err):
		return fmt.Sprintf("no answer before the request timeout: %v", err)
	case errors.As(err, &opErr) && opErr.Op == "dial":
		return fmt.Sprintf("could not connect: %v", opErr.Err)
	default:
		return err.Error()
	}
}

// isTimeout reports whether err is a network timeout.
func isTimeout(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}

// requestSent reports whether the server may have received a request that failed with err. A
// TLS failure ends the handshake, before the server reads a request: with TLS 1.3 the client may
// have written its request before the server's alert about the client certificate arrived, but
// the server never decrypted it.
func requestSent(err error) bool {
	var opErr *net.OpError
	var dnsErr *net.DNSError
	switch {
	case errors.As(err, &dnsErr), TLSFailureOf(err) != NotTLSFailure:
		return false
	case errors.As(err, &opErr) && opErr.Op == "dial":
		return false
	default:
		return true
	}
}

// unwrapURLError strips *url.Error, whose text repeats the method and the full URL.
func unwrapURLError(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		return ue.Err
	}
	return err
}

// redactURL renders u without user info, so credentials never reach error text or logs, and with
// a short query: a parameter repeated many times (such as 500 ids) shows its first values and
// how many more there were, so that no diagnostic carries kilobytes of URL.
func redactURL(u *url.URL) string {
	c := *u
	c.User = nil
	c.RawQuery = shortQuery(u.Query())
	return c.String()
}

// Limits of a query as error text shows it.
const (
	shownRepeats    = 3
	shownValueBytes = 100
)

// shortQuery encodes q keeping the first shownRepeats values of each parameter, each cut to
// shownValueBytes, and names how many values were left out.
func shortQuery(q url.Values) string {
	keys := slices.Sorted(maps.Keys(q))
	parts := make([]string, 0, len(keys))
	for _, k := range keys {
		vs := q[k]
		for i, v := range vs {
			if i == shownRepeats {
				parts = append(parts, fmt.Sprintf("…and %d more %s", len(vs)-shownRepeats, k))
				break
			}
			if len(v) > shownValueBytes {
				v = strings.ToValidUTF8(v[:shownValueBytes], "") + "…"
			}
			parts = append(parts, url.QueryEscape(k)+"="+url.QueryEscape(v))
		}
	}
	return strings.Join(parts, "&")
}
