package provider

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"slices"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"

	"github.com/kratos-tf/terraform-provider-kratos/internal/identityschema"
	"github.com/kratos-tf/terraform-provider-kratos/internal/kratosclient"
)

// requireExternalIDs adds an error on attribute, and returns false, when Kratos predates external
// IDs. It reads the version once per provider process; callers ask only when an external ID is
// used, so configurations without one cost no request. Before the provider is configured (during
// validation) it cannot tell and returns true.
func (d *providerData) requireExternalIDs(ctx context.Context, attribute path.Path, diags *diag.Diagnostics) bool {
	if d == nil || d.client == nil {
		return true
	}
	v, ok := d.serverVersion(ctx, diags)
	if !ok {
		return false
	}
	if !v.HasExternalID() {
		diags.AddAttributeError(attribute, "External IDs not supported",
			fmt.Sprintf("This Kratos (%s) has no external IDs; %s have them. Use no external ID with it, or upgrade Kratos.",
				v, kratosclient.ExternalIDReleases))
		return false
	}
	return true
}

// findByExternalID reads the identity with an external ID, or returns nil after adding an error on
// attribute (also when Kratos predates external IDs or no identity has it).
func findByExternalID(ctx context.Context, data *providerData, externalID string, attribute path.Path, diags *diag.Diagnostics, include ...string) *kratosclient.Identity {
	client := data.clientOrError(diags)
	if client == nil || !data.requireExternalIDs(ctx, attribute, diags) {
		return nil
	}
	identity, err := client.GetIdentityByExternalID(ctx, externalID, include...)
	if kratosclient.IsNotFound(err) {
		diags.AddAttributeError(attribute, "Identity not found",
			fmt.Sprintf("No identity has the external ID %q (external IDs match exactly). Check the value.", externalID))
		return nil
	}
	if err != nil {
		addClientError(diags, "Unable to Find Identity", err)
		return nil
	}
	return identity
}

// findByIdentifier lists the identities that have the exact credential identifier.
func findByIdentifier(ctx context.Context, client *kratosclient.Client, identifier string) ([]kratosclient.Identity, error) {
	return kratosclient.Collect(client.ListIdentities(ctx, kratosclient.ListIdentitiesParams{CredentialsIdentifier: identifier}))
}

// identityIDs lists the IDs of identities.
func identityIDs(ids []kratosclient.Identity) []string {
	out := make([]string, len(ids))
	for i, id := range ids {
		out[i] = id.ID
	}
	return out
}

// maxIdentifierLookups bounds how many trait values are looked up to explain a conflict or
// to find an identity whose creation response was lost.
const maxIdentifierLookups = 20

// traitIdentifiers lists the credential identifiers Kratos would derive from traits: the values
// the identity schema marks as login identifiers (see identityschema.LoginIdentifiers), as Kratos stores them.
// fromSchema is false when the schema cannot be loaded; on create without schema_id it is
// Kratos's default, which the provider cannot know.
func traitIdentifiers(ctx context.Context, schemas *identityschema.Cache, schemaID string, traits json.RawMessage) (ids []string, fromSchema bool) {
	if schemaID == "" || schemas == nil {
		return nil, false
	}
	s, err := schemas.Get(ctx, schemaID)
	if err != nil {
		return nil, false
	}
	for _, id := range identityschema.LoginIdentifiers(s, string(traits)) {
		ids = appendCandidate(ids, id.Value)
	}
	return ids, true
}

// traitStrings lists every string in the traits, normalised as Kratos matches identifiers.
func traitStrings(traits json.RawMessage) []string {
	var out []string
	if v, err := decodeJSON(string(traits)); err == nil {
		walkStrings(v, func(s string) { out = appendCandidate(out, identityschema.NormalizeAddress(s)) })
	}
	return out
}

// appendCandidate adds a value to look up unless it is empty, already listed or one too many.
func appendCandidate(list []string, s string) []string {
	if s == "" || slices.Contains(list, s) || len(list) >= maxIdentifierLookups {
		return list
	}
	return append(list, s)
}

// walkStrings calls fn for every string inside a decoded JSON value, in key order.
func walkStrings(v any, fn func(string)) {
	switch v := v.(type) {
	case string:
		fn(v)
	case []any:
		for _, e := range v {
			walkStrings(e, fn)
		}
	case map[string]any:
		for _, k := range slices.Sorted(maps.Keys(v)) {
			walkStrings(v[k], fn)
		}
	}
}

// holders are the identities in Kratos that hold a member's external ID or login identifiers.
type holders struct {
	// external is the identity with the member's external ID; when set, the identifiers were not
	// looked up.
	external *kratosclient.Identity
	// identifiers are the values looked up; fromSchema says they come from the identity schema
	// (otherwise they are every string of the traits).
	identifiers []string
	fromSchema  bool
	found       []heldIdentifier
	err         error
}

// heldIdentifier is an identity and the member's identifier it holds.
type heldIdentifier struct {
	identity   kratosclient.Identity
	identifier string
}

// createHolders looks up who holds what a create of body gives an identity: its external ID (one
// request, when Kratos has external IDs) and, when none does, its login identifiers: those the
// identity schema marks (every string of the traits when the schema cannot be loaded) and its
// OIDC providers. It is the one lookup both kratos_identity and kratos_identity_import make to find
// out what became of a create whose answer was lost, and the import's to resolve a conflict.
func createHolders(ctx context.Context, client *kratosclient.Client, schemas *identityschema.Cache, body kratosclient.CreateIdentityBody, externalID string, native bool) holders {
	if externalID != "" && native {
		found, err := client.GetIdentityByExternalID(ctx, externalID)
		switch {
		case err == nil:
			return holders{external: found}
		case !kratosclient.IsNotFound(err):
			return holders{err: err}
		}
	}
	ids, fromSchema := traitIdentifiers(ctx, schemas, body.SchemaID, body.Traits)
	if !fromSchema {
		ids = traitStrings(body.Traits)
	}
	if c := body.Credentials; c != nil && c.OIDC != nil {
		for _, p := range c.OIDC.Config.Providers {
			ids = appendCandidate(ids, p.Identifier())
		}
	}
	h := holders{identifiers: ids, fromSchema: fromSchema}
	for _, ident := range ids {
		matches, err := findByIdentifier(ctx, client, ident)
		if err != nil {
			h.err = err
			return h
		}
		for _, m := range matches {
			if !slices.ContainsFunc(h.found, func(f heldIdentifier) bool { return f.identity.ID == m.ID }) {
				h.found = append(h.found, heldIdentifier{identity: m, identifier: ident})
			}
		}
	}
	return h
}

// withTraits returns the identities among the holders whose traits are traits: the identity a
// lost create made, or none. An identity found by external ID counts only with those traits.
func (h holders) withTraits(traits json.RawMessage) []kratosclient.Identity {
	same := func(id *kratosclient.Identity) bool {
		eq, _ := jsonSemanticEqual(string(id.Traits), string(traits)) // traits that cannot be compared are not the same
		return eq
	}
	var out []kratosclient.Identity
	if h.external != nil && same(h.external) {
		out = append(out, *h.external)
	}
	for _, f := range h.found {
		if same(&f.identity) {
			out = append(out, f.identity)
		}
	}
	return out
}
