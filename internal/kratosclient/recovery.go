package kratosclient

import (
	"context"
	"net/http"
	"net/url"
)

// CreateRecoveryCodeBody is the body of POST /admin/recovery/code.
type CreateRecoveryCodeBody struct {
	IdentityID string `json:"identity_id"`
	// ExpiresIn is a Go duration such as "1h" or "15m"; empty means Kratos's configured lifespan.
	ExpiresIn string `json:"expires_in,omitempty"`
	// FlowType is "browser" (Kratos's default) or "api".
	FlowType string `json:"flow_type,omitempty"`
}

// RecoveryCode is a one-time recovery code and the flow link to enter it at. It prints redacted.
type RecoveryCode struct {
	RecoveryLink string `json:"recovery_link"`
	RecoveryCode string `json:"recovery_code"`
	ExpiresAt    string `json:"expires_at"`
}

// String hides the secrets from fmt.
func (r RecoveryCode) String() string {
	return "{recovery_code:REDACTED expires_at:" + r.ExpiresAt + "}"
}

// CreateRecoveryLinkBody is the body of POST /admin/recovery/link.
type CreateRecoveryLinkBody struct {
	IdentityID string `json:"identity_id"`
	ExpiresIn  string `json:"expires_in,omitempty"`
}

// RecoveryLink is a one-time recovery link. It prints redacted.
type RecoveryLink struct {
	RecoveryLink string `json:"recovery_link"`
	ExpiresAt    string `json:"expires_at"`
}

// String hides the secret from fmt.
func (r RecoveryLink) String() string {
	return "{recovery_link:REDACTED expires_at:" + r.ExpiresAt + "}"
}

// returnToQuery builds the optional return_to query.
func returnToQuery(returnTo string) url.Values {
	if returnTo == "" {
		return nil
	}
	return url.Values{"return_to": {returnTo}}
}

// CreateRecoveryCodeForIdentity creates a recovery code. Kratos answers 404 for an unknown
// identity and also when the code method is disabled.
func (c *Client) CreateRecoveryCodeForIdentity(ctx context.Context, body CreateRecoveryCodeBody, returnTo string) (*RecoveryCode, error) {
	resp, err := c.do(ctx, request{
		method: http.MethodPost, path: "/admin/recovery/code", query: returnToQuery(returnTo), body: body,
		idempotent: true, want: []int{http.StatusCreated, http.StatusOK},
	})
	if err != nil {
		return nil, err
	}
	var out RecoveryCode
	return &out, decode(resp, &out)
}

// CreateRecoveryLinkForIdentity creates a recovery link. Kratos answers 400 for an unknown
// identity and 404 when the link method is disabled (its default).
func (c *Client) CreateRecoveryLinkForIdentity(ctx context.Context, body CreateRecoveryLinkBody, returnTo string) (*RecoveryLink, error) {
	resp, err := c.do(ctx, request{
		method: http.MethodPost, path: "/admin/recovery/link", query: returnToQuery(returnTo), body: body,
		idempotent: true, want: []int{http.StatusOK, http.StatusCreated},
	})
	if err != nil {
		return nil, err
	}
	var out RecoveryLink
	return &out, decode(resp, &out)
}
