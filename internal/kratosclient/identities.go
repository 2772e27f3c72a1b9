package kratosclient

import (
	"context"
	"encoding/json"
	"fmt"
	"iter"
	"maps"
	"net/http"
	"net/url"
	"slices"
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
	ExternalID          *string                `json:"external_id,omitempty"`
	OrganizationID      *string                `json:"organization_id,omitempty"`
	CreatedAt           string                 `json:"created_at,omitempty"`
	UpdatedAt           string                 `json:"updated_at,omitempty"`
	// Raw is the JSON object Kratos answered, set by GetIdentity (and the lookups built on it) so
	// that a full update can send back fields this type does not know.
	Raw json.RawMessage `json:"-"`
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
	// ExternalID links the identity to another system (v25.4.0 and later; unique).
	ExternalID string `json:"external_id,omitempty"`
}

// UpdateIdentityBody is the body of PUT /admin/identities/{id}. Traits, both metadata and (from
// v25.4.0) external_id are replaced wholesale: whatever the body omits is cleared, so Kept carries
// the fields of the current identity that the caller does not manage.
type UpdateIdentityBody struct {
	SchemaID       string             `json:"schema_id,omitempty"`
	Traits         json.RawMessage    `json:"traits"`
	State          string             `json:"state,omitempty"`
	MetadataPublic json.RawMessage    `json:"metadata_public,omitempty"`
	MetadataAdmin  json.RawMessage    `json:"metadata_admin,omitempty"`
	Credentials    *CredentialsImport `json:"credentials,omitempty"`
	// ExternalID, when not nil, sets the external ID ("" removes it); nil keeps the one in Kept.
	ExternalID *string `json:"external_id,omitempty"`
	// Kept holds fields of the current identity to send back unchanged (see UnmanagedFields);
	// a field the body sets itself wins.
	Kept map[string]json.RawMessage `json:"-"`
}

// MarshalJSON encodes the body's own fields and adds the kept ones it does not set.
func (b UpdateIdentityBody) MarshalJSON() ([]byte, error) {
	type plain UpdateIdentityBody
	own, err := json.Marshal(plain(b))
	if err != nil || len(b.Kept) == 0 {
		return own, err
	}
	fields := map[string]json.RawMessage{}
	if err := json.Unmarshal(own, &fields); err != nil {
		return nil, err
	}
	for k, v := range b.Kept {
		if _, set := fields[k]; !set {
			fields[k] = v
		}
	}
	return json.Marshal(fields)
}

// derivedFields are the fields of an identity that Kratos computes or that a full update replaces
// from its own fields: never sent back as kept.
var derivedFields = []string{
	"id", "schema_id", "schema_url", "state", "state_changed_at", "traits", "metadata_public", "metadata_admin",
	"credentials", "verifiable_addresses", "recovery_addresses", "created_at", "updated_at",
}

// UnmanagedFields returns the fields of an identity as Kratos answered it (Identity.Raw) that a
// full update does not set itself: external_id, organization_id and whatever later releases add.
// A full update sends them back, so that it never clears what it does not manage.
func UnmanagedFields(raw json.RawMessage) (map[string]json.RawMessage, error) {
	if len(raw) == 0 {
		return nil, nil
	}
	fields := map[string]json.RawMessage{}
	if err := json.Unmarshal(raw, &fields); err != nil {
		return nil, fmt.Errorf("reading the identity's fields: %w", err)
	}
	for _, k := range derivedFields {
		delete(fields, k)
	}
	for k, v := range fields {
		if string(v) == "null" {
			delete(fields, k)
		}
	}
	return fields, nil
}

// PatchOp is one RFC 6902 operation; Kratos accepts add, remove and replace.
type PatchOp struct {
	Op    string          `json:"op"`
	Path  string          `json:"path"`
	Value json.RawMessage `json:"value,omitempty"`
}

// ListIdentitiesParams filter GET /admin/identities. Filters combine with AND. Kratos v25.4.0 and
// later refuse more than one filter per request, so one is sent (the most selective: IDs, then
// CredentialsIdentifier, then IdentifierSimilar) and the others are applied to the answers here.
type ListIdentitiesParams struct {
	// IDs are sent MaxListIDs at a time, one walk after the other.
	IDs                   []string
	CredentialsIdentifier string
	// IdentifierSimilar is Kratos's experimental prefix search; it excludes CredentialsIdentifier.
	IdentifierSimilar string
	IncludeCredential []string
	// PageSize defaults to 250 when zero; Kratos v25.4.0 and later serve at most 500 a page.
	PageSize int
}

// MaxListIDs is the most ids one list request carries: Kratos v25.4.0 and later refuse more.
const MaxListIDs = 500

// identifierCredential is sent as include_credential when the identifiers of the answers are
// needed to filter them here: Kratos lists credentials only when asked for one, and link_recovery
// is a type no identity holds, so no secret is returned.
const identifierCredential = "link_recovery"

// identityPath is /admin/identities/{id} with id escaped.
func identityPath(id string) string { return "/admin/identities/" + url.PathEscape(id) }

// CreateIdentity creates an identity. It is retried only when Kratos certainly did not act on it;
// a caller whose response was lost must look the identity up before trying again.
func (c *Client) CreateIdentity(ctx context.Context, body CreateIdentityBody) (*Identity, error) {
	resp, err := c.do(ctx, request{method: http.MethodPost, path: "/admin/identities", body: body, want: []int{http.StatusCreated}})
	if err != nil {
		return nil, err
	}
	// An answer that is unusable or describes another identity counts as lost: the caller looks
	// the identity up (the *AnswerError says it may have been created).
	out, err := decodeIdentity(resp, "")
	if err != nil {
		return nil, err
	}
	if err := checkCreated(resp, body, out); err != nil {
		return nil, err
	}
	return out, nil
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
	return decodeIdentity(resp, id)
}

// GetIdentityByExternalID reads the identity with an external ID (v25.4.0 and later); Kratos
// answers 404 when none has it.
func (c *Client) GetIdentityByExternalID(ctx context.Context, externalID string, includeCredential ...string) (*Identity, error) {
	q := url.Values{}
	for _, t := range includeCredential {
		q.Add("include_credential", t)
	}
	resp, err := c.do(ctx, request{
		method: http.MethodGet, path: "/admin/identities/by/external/" + url.PathEscape(externalID),
		query: q, idempotent: true, want: []int{http.StatusOK},
	})
	if err != nil {
		return nil, err
	}
	out, err := decodeIdentity(resp, "")
	if err != nil {
		return nil, err
	}
	if out.ExternalID == nil || *out.ExternalID != externalID {
		return nil, resp.answerError(fmt.Sprintf("the answer is identity %s, which does not have the external ID asked for", out.ID))
	}
	return out, nil
}

// ListIdentities walks every page of GET /admin/identities with keyset pagination, following
// the Link header's next page until there is none (a short page is not the end: Kratos caps the
// page size). More than MaxListIDs IDs take one walk per MaxListIDs.
func (c *Client) ListIdentities(ctx context.Context, p ListIdentitiesParams) iter.Seq2[Identity, error] {
	if len(p.IDs) <= MaxListIDs {
		return c.listIdentities(ctx, p)
	}
	return func(yield func(Identity, error) bool) {
		for part := range slices.Chunk(p.IDs, MaxListIDs) {
			q := p
			q.IDs = part
			for identity, err := range c.listIdentities(ctx, q) {
				if !yield(identity, err) || err != nil {
					return
				}
			}
		}
	}
}

// listIdentities walks the pages of one list request (at most MaxListIDs IDs).
func (c *Client) listIdentities(ctx context.Context, p ListIdentitiesParams) iter.Seq2[Identity, error] {
	size := p.PageSize
	if size <= 0 {
		size = 250
	}
	q := url.Values{"page_size": {strconv.Itoa(size)}}
	var keep func(*Identity) bool
	switch {
	case len(p.IDs) > 0:
		q["ids"] = p.IDs
		keep = identifierFilter(p.CredentialsIdentifier, p.IdentifierSimilar)
	case p.CredentialsIdentifier != "":
		q.Set("credentials_identifier", p.CredentialsIdentifier)
		keep = identifierFilter("", p.IdentifierSimilar)
	case p.IdentifierSimilar != "":
		q.Set("preview_credentials_identifier_similar", p.IdentifierSimilar)
	}
	q["include_credential"] = p.IncludeCredential
	if keep != nil && len(p.IncludeCredential) == 0 {
		q.Set("include_credential", identifierCredential)
	}
	pages := paginate(ctx, func(ctx context.Context, token string) ([]Identity, string, error) {
		page := maps.Clone(q)
		if token != "" {
			page.Set("page_token", token)
		}
		resp, err := c.do(ctx, request{
			method: http.MethodGet, path: "/admin/identities", query: page, idempotent: true, want: []int{http.StatusOK}, maxBody: maxPageBody,
		})
		if err != nil {
			return nil, "", err
		}
		var items []Identity
		if err := decode(resp, &items); err != nil {
			return nil, "", err
		}
		for i := range items {
			if err := checkTraitsObject(resp, &items[i]); err != nil {
				return nil, "", err
			}
		}
		return items, nextPageToken(resp.header.Get("Link")), nil
	}, func(i *Identity) string { return i.ID })
	if keep == nil {
		return pages
	}
	return func(yield func(Identity, error) bool) {
		for identity, err := range pages {
			if err == nil && !keep(&identity) {
				continue
			}
			if !yield(identity, err) {
				return
			}
		}
	}
}

// identifierFilter returns the test for the filters not sent to Kratos: an identity with the
// credentials identifier exact (case-insensitively, as Kratos matches login identifiers) and one
// starting with prefix. It returns nil when both are empty.
func identifierFilter(exact, prefix string) func(*Identity) bool {
	if exact == "" && prefix == "" {
		return nil
	}
	return func(i *Identity) bool {
		return (exact == "" || hasIdentifier(i, func(s string) bool { return strings.EqualFold(s, exact) })) &&
			(prefix == "" || hasIdentifier(i, func(s string) bool { return strings.HasPrefix(strings.ToLower(s), strings.ToLower(prefix)) }))
	}
}

// hasIdentifier reports whether any credentials identifier of i satisfies match.
func hasIdentifier(i *Identity, match func(string) bool) bool {
	for _, c := range i.Credentials {
		if slices.ContainsFunc(c.Identifiers, match) {
			return true
		}
	}
	return false
}

// UpdateIdentity replaces an identity with PUT. Traits and both metadata must always be sent.
func (c *Client) UpdateIdentity(ctx context.Context, id string, body UpdateIdentityBody) (*Identity, error) {
	// Re-sending OIDC providers duplicates them (409), so such a PUT is not repeated blindly.
	idempotent := body.Credentials == nil || body.Credentials.OIDC == nil
	resp, err := c.do(ctx, request{method: http.MethodPut, path: identityPath(id), body: body, idempotent: idempotent, want: []int{http.StatusOK}})
	if err != nil {
		return nil, err
	}
	return decodeIdentity(resp, id)
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
	return decodeIdentity(resp, id)
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

// Batch limits: Kratos v1.3.1 takes 2000 items a request, v25.4.0 and later 1000, of which at
// most 200 may carry a cleartext password (each is hashed while the request waits). The client's
// callers keep to the smaller numbers whatever the version.
const (
	BatchPatchIdentitiesLimit = 1000
	BatchPatchPasswordLimit   = 200
)

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
