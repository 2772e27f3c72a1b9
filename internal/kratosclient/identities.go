package kratosclient

import (
	"context"
	"encoding/json"
	"iter"
	"net/http"
	"net/url"
	"strconv"
	"strings"
)

// Identity is a Kratos identity as the admin API returns it.
type Identity struct {
	ID                  string                 `json:"id"`
	SchemaID            string                 `json:"schema_id"`
	SchemaURL           string                 `json:"schema_url,omitempty"`
	State               string                 `json:"state,omitempty"`
	StateChangedAt      string                 `json:"state_changed_at,omitempty"`
	Traits              json.RawMessage        `json:"traits"`
	VerifiableAddresses []VerifiableAddress    `json:"verifiable_addresses,omitempty"`
	RecoveryAddresses   []RecoveryAddress      `json:"recovery_addresses,omitempty"`
	MetadataPublic      json.RawMessage        `json:"metadata_public,omitempty"`
	MetadataAdmin       json.RawMessage        `json:"metadata_admin,omitempty"`
	Credentials         map[string]Credentials `json:"credentials,omitempty"`
	OrganizationID      *string                `json:"organization_id,omitempty"`
	CreatedAt           string                 `json:"created_at,omitempty"`
	UpdatedAt           string                 `json:"updated_at,omitempty"`
}

// Credentials summarises one credential type of an identity; Config is present only when asked for.
type Credentials struct {
	Type        string          `json:"type"`
	Identifiers []string        `json:"identifiers"`
	Config      json.RawMessage `json:"config,omitempty"`
	Version     int             `json:"version"`
	CreatedAt   string          `json:"created_at,omitempty"`
	UpdatedAt   string          `json:"updated_at,omitempty"`
}

// VerifiableAddress is an address Kratos can verify, derived from the traits.
type VerifiableAddress struct {
	ID         string `json:"id,omitempty"`
	Value      string `json:"value"`
	Verified   bool   `json:"verified"`
	Via        string `json:"via"`
	Status     string `json:"status"`
	VerifiedAt string `json:"verified_at,omitempty"`
	CreatedAt  string `json:"created_at,omitempty"`
	UpdatedAt  string `json:"updated_at,omitempty"`
}

// RecoveryAddress is an address recovery messages can be sent to, derived from the traits.
type RecoveryAddress struct {
	ID        string `json:"id,omitempty"`
	Value     string `json:"value"`
	Via       string `json:"via"`
	CreatedAt string `json:"created_at,omitempty"`
	UpdatedAt string `json:"updated_at,omitempty"`
}

// VerifiableAddressImport is an address with its verification state, sent on create.
type VerifiableAddressImport struct {
	Value    string `json:"value"`
	Verified bool   `json:"verified"`
	Via      string `json:"via"`
	Status   string `json:"status,omitempty"`
}

// CredentialsImport holds the credentials Kratos v1.3.1 can import: password and OIDC.
type CredentialsImport struct {
	Password *PasswordImport `json:"password,omitempty"`
	OIDC     *OIDCImport     `json:"oidc,omitempty"`
}

// PasswordImport imports a password, in cleartext or as a hash.
type PasswordImport struct {
	Config PasswordImportConfig `json:"config"`
}

// PasswordImportConfig holds the password secret; it prints as redacted so it never reaches logs.
type PasswordImportConfig struct {
	Password                 string `json:"password,omitempty"`
	HashedPassword           string `json:"hashed_password,omitempty"`
	UsePasswordMigrationHook bool   `json:"use_password_migration_hook,omitempty"`
}

// String hides the secret from fmt.
func (PasswordImportConfig) String() string { return "{password:REDACTED}" }

// GoString hides the secret from fmt's %#v.
func (p PasswordImportConfig) GoString() string { return p.String() }

// OIDCImport links social sign-in providers.
type OIDCImport struct {
	Config OIDCImportConfig `json:"config"`
}

// OIDCImportConfig lists the providers to link.
type OIDCImportConfig struct {
	Providers []OIDCProvider `json:"providers"`
}

// OIDCProvider is one linked social sign-in.
type OIDCProvider struct {
	Provider string `json:"provider"`
	Subject  string `json:"subject"`
}

// Identifier is the credential identifier Kratos derives from the provider: "provider:subject".
func (p OIDCProvider) Identifier() string { return p.Provider + ":" + p.Subject }

// CreateIdentityBody is the body of POST /admin/identities.
type CreateIdentityBody struct {
	SchemaID            string                    `json:"schema_id,omitempty"`
	Traits              json.RawMessage           `json:"traits"`
	State               string                    `json:"state,omitempty"`
	MetadataPublic      json.RawMessage           `json:"metadata_public,omitempty"`
	MetadataAdmin       json.RawMessage           `json:"metadata_admin,omitempty"`
	VerifiableAddresses []VerifiableAddressImport `json:"verifiable_addresses,omitempty"`
	Credentials         *CredentialsImport        `json:"credentials,omitempty"`
}

// UpdateIdentityBody is the body of PUT /admin/identities/{id}. Traits and both metadata are
// replaced wholesale; omitted metadata is cleared.
type UpdateIdentityBody struct {
	SchemaID       string             `json:"schema_id,omitempty"`
	Traits         json.RawMessage    `json:"traits"`
	State          string             `json:"state,omitempty"`
	MetadataPublic json.RawMessage    `json:"metadata_public,omitempty"`
	MetadataAdmin  json.RawMessage    `json:"metadata_admin,omitempty"`
	Credentials    *CredentialsImport `json:"credentials,omitempty"`
}

// PatchOp is one RFC 6902 operation; Kratos accepts add, remove and replace.
type PatchOp struct {
	Op    string          `json:"op"`
	Path  string          `json:"path"`
	Value json.RawMessage `json:"value,omitempty"`
}

// ListIdentitiesParams filter GET /admin/identities.
type ListIdentitiesParams struct {
	IDs                   []string
	CredentialsIdentifier string
	// IdentifierSimilar is Kratos's experimental prefix search; it excludes CredentialsIdentifier.
	IdentifierSimilar string
	IncludeCredential []string
	// PageSize defaults to 250 when zero.
	PageSize int
}

// identityPath is /admin/identities/{id} with id escaped.
func identityPath(id string) string { return "/admin/identities/" + url.PathEscape(id) }

// CreateIdentity creates an identity. It is retried only when Kratos certainly did not act on it;
// a caller whose response was lost must look the identity up before trying again.
func (c *Client) CreateIdentity(ctx context.Context, body CreateIdentityBody) (*Identity, error) {
	resp, err := c.do(ctx, request{method: http.MethodPost, path: "/admin/identities", body: body, want: []int{http.StatusCreated}})
	if err != nil {
		return nil, err
	}
	var out Identity
	return &out, decode(resp, &out)
}

// GetIdentity reads one identity; includeCredential names credential types whose config to include.
func (c *Client) GetIdentity(ctx context.Context, id string, includeCredential ...string) (*Identity, error) {
	q := url.Values{}
	for _, t := range includeCredential {
		q.Add("include_credential", t)
	}
	resp, err := c.do(ctx, request{method: http.MethodGet, path: identityPath(id), query: q, idempotent: true, want: []int{http.StatusOK}})
	if err != nil {
		return nil, err
	}
	var out Identity
	return &out, decode(resp, &out)
}

// ListIdentities walks every page of GET /admin/identities with keyset pagination.
func (c *Client) ListIdentities(ctx context.Context, p ListIdentitiesParams) iter.Seq2[Identity, error] {
	size := p.PageSize
	if size <= 0 {
		size = 250
	}
	return paginate(ctx, func(ctx context.Context, token string) ([]Identity, string, error) {
		q := url.Values{"page_size": {strconv.Itoa(size)}}
		if token != "" {
			q.Set("page_token", token)
		}
		for _, id := range p.IDs {
			q.Add("ids", id)
		}
		if p.CredentialsIdentifier != "" {
			q.Set("credentials_identifier", p.CredentialsIdentifier)
		}
		if p.IdentifierSimilar != "" {
			q.Set("preview_credentials_identifier_similar", p.IdentifierSimilar)
		}
		for _, t := range p.IncludeCredential {
			q.Add("include_credential", t)
		}
		resp, err := c.do(ctx, request{method: http.MethodGet, path: "/admin/identities", query: q, idempotent: true, want: []int{http.StatusOK}})
		if err != nil {
			return nil, "", err
		}
		var page []Identity
		if err := decode(resp, &page); err != nil {
			return nil, "", err
		}
		return page, nextPageToken(resp.header.Get("Link")), nil
	})
}

// UpdateIdentity replaces an identity with PUT. Traits and both metadata must always be sent.
func (c *Client) UpdateIdentity(ctx context.Context, id string, body UpdateIdentityBody) (*Identity, error) {
	// Re-sending OIDC providers duplicates them (409), so such a PUT is not repeated blindly.
	idempotent := body.Credentials == nil || body.Credentials.OIDC == nil
	resp, err := c.do(ctx, request{method: http.MethodPut, path: identityPath(id), body: body, idempotent: idempotent, want: []int{http.StatusOK}})
	if err != nil {
		return nil, err
	}
	var out Identity
	return &out, decode(resp, &out)
}

// PatchIdentity applies an RFC 6902 JSON Patch to an identity.
func (c *Client) PatchIdentity(ctx context.Context, id string, ops []PatchOp) (*Identity, error) {
	if ops == nil {
		ops = []PatchOp{}
	}
	resp, err := c.do(ctx, request{method: http.MethodPatch, path: identityPath(id), body: ops, idempotent: isIdempotentPatch(ops), want: []int{http.StatusOK}})
	if err != nil {
		return nil, err
	}
	var out Identity
	return &out, decode(resp, &out)
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

// DeleteIdentity deletes an identity; Kratos answers 404 when it is already gone.
func (c *Client) DeleteIdentity(ctx context.Context, id string) error {
	_, err := c.do(ctx, request{method: http.MethodDelete, path: identityPath(id), idempotent: true, want: []int{http.StatusNoContent}})
	return err
}

// DeleteIdentityCredentials removes a credential type, or for oidc the provider named by
// identifier ("provider:subject").
func (c *Client) DeleteIdentityCredentials(ctx context.Context, id, credentialType, identifier string) error {
	q := url.Values{}
	if identifier != "" {
		q.Set("identifier", identifier)
	}
	_, err := c.do(ctx, request{
		method: http.MethodDelete, path: identityPath(id) + "/credentials/" + url.PathEscape(credentialType),
		query: q, idempotent: true, want: []int{http.StatusNoContent, http.StatusOK},
	})
	return err
}

// BatchPatchIdentitiesLimit is the most items Kratos v1.3.1 takes in one batch.
const BatchPatchIdentitiesLimit = 2000

// IdentityPatch is one item of a batch; v1.3.1 knows only create.
type IdentityPatch struct {
	PatchID string              `json:"patch_id,omitempty"`
	Create  *CreateIdentityBody `json:"create,omitempty"`
}

// BatchPatchResult is the answer to a batch: one entry per item, in order (nil for items without an action).
type BatchPatchResult struct {
	Identities []*IdentityPatchResult `json:"identities"`
}

// IdentityPatchResult is the outcome of one batch item.
type IdentityPatchResult struct {
	Action   string          `json:"action"`
	Identity string          `json:"identity,omitempty"`
	PatchID  string          `json:"patch_id,omitempty"`
	Error    *BatchItemError `json:"error,omitempty"`
}

// BatchItemError is the error of one batch item.
type BatchItemError struct {
	Code    int    `json:"code"`
	Status  string `json:"status,omitempty"`
	Message string `json:"message"`
	Reason  string `json:"reason,omitempty"`
}

// BatchPatchIdentities creates up to 2000 identities in one request. In v1.3.1 a conflicting
// item rolls back the whole batch although the others are reported as created: callers must
// check the reported IDs when any item failed with 409.
func (c *Client) BatchPatchIdentities(ctx context.Context, items []IdentityPatch) (*BatchPatchResult, error) {
	body := struct {
		Identities []IdentityPatch `json:"identities"`
	}{items}
	resp, err := c.do(ctx, request{method: http.MethodPatch, path: "/admin/identities", body: body, want: []int{http.StatusOK}})
	if err != nil {
		return nil, err
	}
	var out BatchPatchResult
	return &out, decode(resp, &out)
}

// IsBatchItemRejected reports whether err is a whole-batch failure that the content of one item
// causes, before anything is stored: an imported hash in a format Kratos does not know (400), an
// invalid state (400), a cleartext password too long for the bcrypt hasher (500) or a blank login
// identifier (500). Sending the items apart isolates the item; the others are then accepted.
func IsBatchItemRejected(err error) bool {
	return IsHashRejected(err) || IsEmptyIdentifier(err) ||
		errReasonIs(err, http.StatusBadRequest, "identity state is not valid") ||
		errReasonIs(err, http.StatusInternalServerError, "password must be at most")
}
