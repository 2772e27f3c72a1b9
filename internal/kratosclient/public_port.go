package kratosclient

import (
	"context"
	"errors"
	"fmt"
	"net/http"
)

// PublicPortError is a request to the admin URL that Kratos's public port answered: the admin
// URL names the public port (serve.public, 4433 by default) instead of the admin port
// (serve.admin, 4434 by default). The public port redirects some admin paths to the admin base
// URL and answers others with 404, 405 or a CSRF error; the client tells it by its health
// endpoints. It does not unwrap to that answer, so that IsNotFound never takes the public port's
// 404 for a missing object.
type PublicPortError struct {
	// URL is the admin base URL, without credentials.
	URL string
	// Answer is how the public port answered the request.
	Answer error
}

// Error says that the admin URL is the public port, and how it answered.
func (e *PublicPortError) Error() string {
	return fmt.Sprintf("%s is Kratos's public port, not its admin port: it answers GET /health/ready but not GET /admin/health/ready (the request failed: %v)",
		e.URL, e.Answer)
}

// checkPublicPort returns err, or a *PublicPortError when err is an answer to a request to the
// admin URL that Kratos's public port gives and two health requests confirm that the admin URL
// is the public port.
func (c *Client) checkPublicPort(ctx context.Context, req request, err error) error {
	if req.base != nil || !answeredLikePublicPort(err) || !c.isPublicPort(ctx) {
		return err
	}
	return &PublicPortError{URL: redactURL(c.adminURL), Answer: err}
}

// answeredLikePublicPort reports whether err is how Kratos's public port answers an admin path:
// a redirect to another origin (the admin base URL), a 404 or 405 that is not Kratos's JSON
// error, or Kratos's CSRF refusal, which only self-service routes give.
func answeredLikePublicPort(err error) bool {
	var redirectErr *RedirectError
	var apiErr *APIError
	switch {
	case errors.As(err, &redirectErr):
		return redirectErr.Kind == RedirectCrossOrigin && !redirectErr.FromPublicURL
	case errors.As(err, &apiErr):
		return !apiErr.FromKratos() && (apiErr.StatusCode == http.StatusNotFound || apiErr.StatusCode == http.StatusMethodNotAllowed) ||
			apiErr.ID == "security_csrf_violation"
	default:
		return false
	}
}

// isPublicPort reports whether the admin URL answers as Kratos's public port does: 404 to
// /admin/health/ready, which the admin port serves, and {"status":"ok"} to /health/ready.
// Each probe is one attempt, without retries.
func (c *Client) isPublicPort(ctx context.Context) bool {
	probe := func(path string) (*response, error) {
		return c.attempt(ctx, request{method: http.MethodGet, path: path, want: []int{http.StatusOK}, idempotent: true}, nil)
	}
	if _, err := probe("/admin/health/ready"); StatusCode(err) != http.StatusNotFound {
		return false
	}
	resp, err := probe("/health/ready")
	if err != nil {
		return false
	}
	var health struct {
		Status string `json:"status"`
	}
	return decode(resp, &health) == nil && health.Status == "ok"
}
