package kratosclient

import (
	"context"
	"fmt"
	"iter"
	"net/http"
	"net/url"
	"strconv"
)

// Session is a Kratos session.
type Session struct {
	ID                          string                 `json:"id"`
	Active                      bool                   `json:"active"`
	ExpiresAt                   string                 `json:"expires_at,omitempty"`
	AuthenticatedAt             string                 `json:"authenticated_at,omitempty"`
	IssuedAt                    string                 `json:"issued_at,omitempty"`
	AuthenticatorAssuranceLevel string                 `json:"authenticator_assurance_level,omitempty"`
	AuthenticationMethods       []AuthenticationMethod `json:"authentication_methods,omitempty"`
	Identity                    *Identity              `json:"identity,omitempty"`
	Devices                     []Device               `json:"devices,omitempty"`
	Tokenized                   bool                   `json:"tokenized,omitempty"`
}

// AuthenticationMethod is one way the session's identity authenticated.
type AuthenticationMethod struct {
	Method       string `json:"method"`
	AAL          string `json:"aal,omitempty"`
	CompletedAt  string `json:"completed_at,omitempty"`
	Provider     string `json:"provider,omitempty"`
	Organization string `json:"organization,omitempty"`
}

// Device is a device a session was used from.
type Device struct {
	ID        string `json:"id"`
	IPAddress string `json:"ip_address,omitempty"`
	UserAgent string `json:"user_agent,omitempty"`
	Location  string `json:"location,omitempty"`
}

// Session expansions accepted by Kratos.
const (
	ExpandIdentity = "identity"
	ExpandDevices  = "devices"
)

// ListSessionsParams filter GET /admin/sessions.
type ListSessionsParams struct {
	Active *bool
	Expand []string
	// PageSize defaults to 250; Kratos clamps it to 1000.
	PageSize int
}

// ListIdentitySessionsParams filter GET /admin/identities/{id}/sessions.
type ListIdentitySessionsParams struct {
	Active *bool
	// PerPage defaults to 250; values above Kratos's limit of 1000 count as 1000.
	PerPage int
}

// sessionPath is /admin/sessions/{id} with id escaped.
func sessionPath(id string) string { return "/admin/sessions/" + url.PathEscape(id) }

// ListSessions walks every page of GET /admin/sessions (opaque page tokens).
func (c *Client) ListSessions(ctx context.Context, p ListSessionsParams) iter.Seq2[Session, error] {
	size := p.PageSize
	if size <= 0 {
		size = 250
	}
	return paginate(ctx, func(ctx context.Context, token string) ([]Session, string, error) {
		q := url.Values{"page_size": {strconv.Itoa(size)}, "expand": p.Expand}
		if token != "" {
			q.Set("page_token", token)
		}
		if p.Active != nil {
			q.Set("active", strconv.FormatBool(*p.Active))
		}
		resp, err := c.do(ctx, request{method: http.MethodGet, path: "/admin/sessions", query: q, idempotent: true, want: []int{http.StatusOK}, maxBody: maxPageBody})
		if err != nil {
			return nil, "", err
		}
		var page []Session
		if err := decode(resp, &page); err != nil {
			return nil, "", err
		}
		return page, nextPageToken(resp.header.Get("Link")), nil
	}, func(s *Session) string { return s.ID })
}

// ListIdentitySessions walks every session of one identity. Kratos v1.3.1 serves page=0 and
// page=1 alike and its Link header skips the last page, so pages 1, 2, … are asked for
// explicitly until X-Total-Count sessions arrived or a page comes back short.
func (c *Client) ListIdentitySessions(ctx context.Context, identityID string, p ListIdentitySessionsParams) iter.Seq2[Session, error] {
	perPage := min(p.PerPage, maxPerPage)
	if perPage <= 0 {
		perPage = 250
	}
	return func(yield func(Session, error) bool) {
		// received is per walk, so the sequence can be ranged over again or concurrently.
		received := 0
		paginate(ctx, func(ctx context.Context, token string) ([]Session, string, error) {
			page, err := pageNumber(token, 1)
			if err != nil {
				return nil, "", err
			}
			q := url.Values{"page": {strconv.Itoa(page)}, "per_page": {strconv.Itoa(perPage)}}
			if p.Active != nil {
				q.Set("active", strconv.FormatBool(*p.Active))
			}
			resp, err := c.do(ctx, request{
				method: http.MethodGet, path: identityPath(identityID) + "/sessions",
				query: q, idempotent: true, want: []int{http.StatusOK}, maxBody: maxPageBody,
			})
			if err != nil {
				return nil, "", err
			}
			var items []Session
			if err := decode(resp, &items); err != nil {
				return nil, "", err
			}
			received += len(items)
			total, err := strconv.Atoi(resp.header.Get("X-Total-Count"))
			if err != nil {
				total = -1
			}
			if len(items) < perPage || (total >= 0 && received >= total) {
				return items, "", nil
			}
			return items, strconv.Itoa(page + 1), nil
		}, func(s *Session) string { return s.ID })(yield)
	}
}

// GetSession reads one session with the given expansions.
func (c *Client) GetSession(ctx context.Context, id string, expand ...string) (*Session, error) {
	resp, err := c.do(ctx, request{
		method: http.MethodGet, path: sessionPath(id), query: url.Values{"expand": expand},
		idempotent: true, want: []int{http.StatusOK},
	})
	if err != nil {
		return nil, err
	}
	var out Session
	return &out, decode(resp, &out)
}

// DisableSession revokes a session; the row stays readable with active=false.
func (c *Client) DisableSession(ctx context.Context, id string) error {
	_, err := c.do(ctx, request{method: http.MethodDelete, path: sessionPath(id), idempotent: true, want: []int{http.StatusNoContent}})
	return err
}

// ExtendSession extends a session by the configured lifespan. It returns nil without error when
// Kratos answers 204 (the faster_session_extend feature flag).
func (c *Client) ExtendSession(ctx context.Context, id string) (*Session, error) {
	resp, err := c.do(ctx, request{
		method: http.MethodPatch, path: sessionPath(id) + "/extend",
		idempotent: true, want: []int{http.StatusOK, http.StatusNoContent},
	})
	if err != nil {
		return nil, err
	}
	if resp.status == http.StatusNoContent {
		return nil, nil
	}
	var out Session
	return &out, decode(resp, &out)
}

// DeleteIdentitySessions deletes every session of an identity. Kratos answers 404 both for an
// identity without sessions and for an unknown one; this method reports both as success.
func (c *Client) DeleteIdentitySessions(ctx context.Context, identityID string) error {
	_, err := c.do(ctx, request{
		method: http.MethodDelete, path: identityPath(identityID) + "/sessions",
		idempotent: true, want: []int{http.StatusNoContent},
	})
	if IsNotFound(err) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("deleting the sessions of identity %s: %w", identityID, err)
	}
	return nil
}
