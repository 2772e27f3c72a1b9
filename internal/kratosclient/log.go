package kratosclient

import (
	"context"
	"errors"
	"time"
)

// Logger receives the client's account of its requests: each attempt with its answer and
// duration, and each retry decision with its wait. Fields never carry a secret: URLs lose
// their user info, and bodies and headers are never logged.
type Logger interface {
	// Log records one event; fields are flat names and plain values.
	Log(ctx context.Context, msg string, fields map[string]any)
}

// WithLogger sends the client's account of its requests to l; without it nothing is logged.
func WithLogger(l Logger) Option { return func(c *Client) { c.logger = l } }

// logAttempt records one finished attempt and what the client does next: retry after wait,
// or stop.
func (c *Client) logAttempt(ctx context.Context, req request, attempt int, took time.Duration, err error, wait time.Duration, retry bool) {
	if c.logger == nil {
		return
	}
	fields := map[string]any{
		"method":      req.method,
		"url":         redactURL(c.url(req)),
		"attempt":     attempt + 1,
		"duration_ms": took.Milliseconds(),
	}
	var apiErr *APIError
	switch {
	case err == nil:
		c.logger.Log(ctx, "Kratos request succeeded", fields)
		return
	case errors.As(err, &apiErr):
		fields["status"] = apiErr.StatusCode
	default:
		fields["error"] = err.Error()
	}
	if retry {
		fields["retry_in_ms"] = wait.Milliseconds()
		c.logger.Log(ctx, "Kratos request failed; retrying", fields)
		return
	}
	fields["max_retries"] = c.maxRetries
	c.logger.Log(ctx, "Kratos request failed; not retrying", fields)
}
