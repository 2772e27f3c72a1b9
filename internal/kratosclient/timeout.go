package kratosclient

import (
	"context"
	"errors"
	"time"
)

// Timeout is how long the client waits for one attempt of a request (WithTimeout).
func (c *Client) Timeout() time.Duration { return c.timeout }

// IsTimeout reports whether err is a request that got no answer within the client's timeout.
func IsTimeout(err error) bool {
	return errors.Is(err, context.DeadlineExceeded) || isTimeout(err)
}
