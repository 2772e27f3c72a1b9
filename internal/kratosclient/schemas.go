package kratosclient

import (
	"context"
	"encoding/json"
	"iter"
	"net/http"
	"net/url"
	"strconv"
)

// IdentitySchema is one configured identity schema.
type IdentitySchema struct {
	ID     string          `json:"id"`
	Schema json.RawMessage `json:"schema"`
}

// schemaBase is where schemas are served: the public URL when known, otherwise the admin URL,
// whose /admin/schemas answers with a redirect to the public base URL that Go follows.
func (c *Client) schemaBase() *url.URL {
	if c.publicURL != nil {
		return c.publicURL
	}
	return c.adminURL
}

// schemaPath is the schemas path on the base schemaBase returns.
func (c *Client) schemaPath() string {
	if c.publicURL != nil {
		return "/schemas"
	}
	return "/admin/schemas"
}

// GetIdentitySchema returns the raw JSON Schema with the given ID.
func (c *Client) GetIdentitySchema(ctx context.Context, id string) (json.RawMessage, error) {
	resp, err := c.do(ctx, request{
		method: http.MethodGet, base: c.schemaBase(), path: c.schemaPath() + "/" + url.PathEscape(id),
		idempotent: true, want: []int{http.StatusOK},
	})
	if err != nil {
		return nil, err
	}
	var raw json.RawMessage
	return raw, decode(resp, &raw)
}

// ListIdentitySchemas walks every configured schema. Kratos v1.3.1 answers null past the last
// page, and its page N holds up to (N+1)*perPage items starting at N*perPage (it passes the end
// index as the limit), so only the first perPage items of each page are kept.
func (c *Client) ListIdentitySchemas(ctx context.Context, perPage int) iter.Seq2[IdentitySchema, error] {
	perPage = min(perPage, maxPerPage)
	if perPage <= 0 {
		perPage = 250
	}
	return paginate(ctx, func(ctx context.Context, token string) ([]IdentitySchema, string, error) {
		page, err := pageNumber(token, 0)
		if err != nil {
			return nil, "", err
		}
		q := url.Values{"page": {strconv.Itoa(page)}, "per_page": {strconv.Itoa(perPage)}}
		resp, err := c.do(ctx, request{
			method: http.MethodGet, base: c.schemaBase(), path: c.schemaPath(), query: q,
			idempotent: true, want: []int{http.StatusOK}, maxBody: maxPageBody,
		})
		if err != nil {
			return nil, "", err
		}
		var items []IdentitySchema
		if err := decode(resp, &items); err != nil {
			return nil, "", err
		}
		if len(items) < perPage {
			return items, "", nil
		}
		return items[:perPage], strconv.Itoa(page + 1), nil
	}, func(s *IdentitySchema) string { return s.ID })
}
