package kratosclient

import (
	"errors"
	"math/rand/v2"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// retryDecision says whether err after attempt (0-based) is retried, and after how long. Whether
// a request may be sent again is decided in this file alone: retryable (may a later attempt
// succeed), outcomeUnknown (may Kratos have acted on it) and isIdempotentPatch (may a patch be
// applied twice), which recordOutcome then reports to callers as MayHaveBeenApplied.
func (c *Client) retryDecision(req request, err error, attempt int) (time.Duration, bool) {
	// A request that is not safe to repeat is sent again only when Kratos certainly did not act
	// on it (429, 503, a rolled-back conflict, a connection never made).
	if attempt >= c.maxRetries || !retryable(err) || (!req.idempotent && outcomeUnknown(err)) {
		return 0, false
	}
	var apiErr *APIError
	if errors.As(err, &apiErr) && apiErr.RetryAfter > 0 {
		return min(apiErr.RetryAfter, c.maxBackoff), true
	}
	return c.backoff(attempt), true
}

// retryable reports whether a later attempt may succeed where err failed: 429, 502, 503, 504,
// Kratos's rolled-back concurrent update, or a transport failure other than TLS.
func retryable(err error) bool {
	var apiErr *APIError
	var tErr *TransportError
	switch {
	case errors.As(err, &apiErr):
		switch apiErr.StatusCode {
		case http.StatusTooManyRequests, http.StatusBadGateway, http.StatusServiceUnavailable, http.StatusGatewayTimeout:
			return true
		default:
			return isConcurrentUpdate(apiErr)
		}
	case errors.As(err, &tErr):
		return TLSFailureOf(tErr.Err) == NotTLSFailure
	default:
		return false
	}
}

// RetryBudget returns the shortest and the longest time a request that keeps failing
// retryably spends waiting between attempts before the client gives up, with maxRetries
// retries and the default backoff.
func RetryBudget(maxRetries int) (shortest, longest time.Duration) {
	for attempt := range max(maxRetries, 0) {
		d := backoffCeiling(defaultMinBackoff, defaultMaxBackoff, attempt)
		shortest += d / 2
		longest += d
	}
	return shortest, longest
}

// backoffCeiling is the largest wait before retry number attempt (0-based).
func backoffCeiling(minWait, maxWait time.Duration, attempt int) time.Duration {
	d := minWait << min(attempt, 16)
	if d <= 0 || d > maxWait {
		d = maxWait
	}
	return d
}

// backoff is capped exponential backoff with full jitter over the upper half.
func (c *Client) backoff(attempt int) time.Duration {
	d := backoffCeiling(c.minBackoff, c.maxBackoff, attempt)
	half := d / 2
	return half + rand.N(half+1) //nolint:gosec // jitter needs no cryptographic randomness
}

// parseRetryAfter reads a Retry-After header given in seconds or as an HTTP date.
func parseRetryAfter(v string, now time.Time) time.Duration {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0
	}
	if s, err := strconv.Atoi(v); err == nil {
		return time.Duration(max(s, 0)) * time.Second
	}
	if t, err := http.ParseTime(v); err == nil {
		return max(t.Sub(now), 0)
	}
	return 0
}

// outcomeUnknown reports whether err leaves open whether Kratos acted on the request: a
// gateway's 502 or 504, or a connection that failed after the request was sent.
func outcomeUnknown(err error) bool {
	var apiErr *APIError
	var tErr *TransportError
	switch {
	case errors.As(err, &apiErr):
		return apiErr.StatusCode == http.StatusBadGateway || apiErr.StatusCode == http.StatusGatewayTimeout
	case errors.As(err, &tErr):
		return tErr.sent
	default:
		return false
	}
}

// recordOutcome notes on the typed error in err how many attempts were made and whether a
// request that is not safe to repeat may have been applied; it returns err.
func recordOutcome(err error, attempts int, idempotent bool) error {
	mayHaveBeenApplied := !idempotent && outcomeUnknown(err)
	var apiErr *APIError
	var tErr *TransportError
	switch {
	case errors.As(err, &apiErr):
		apiErr.Attempts, apiErr.MayHaveBeenApplied = attempts, mayHaveBeenApplied
	case errors.As(err, &tErr):
		tErr.Attempts, tErr.MayHaveBeenApplied = attempts, mayHaveBeenApplied
	}
	return err
}

// isIdempotentPatch reports whether applying ops twice leaves what applying them once does: every
// op is a replace, or an add whose last path segment is neither "-" (append) nor an array index
// (insert). An all-digit segment counts as an index even where it names an object member.
func isIdempotentPatch(ops []PatchOp) bool {
	for _, op := range ops {
		switch op.Op {
		case "replace":
		case "add":
			last := op.Path[strings.LastIndex(op.Path, "/")+1:]
			if last == "-" || (last != "" && strings.Trim(last, "0123456789") == "") {
				return false
			}
		default:
			return false
		}
	}
	return true
}
