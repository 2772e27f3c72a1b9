package provider

import (
	"context"
	"encoding/json"
	"maps"
	"slices"

	"github.com/kratos-tf/terraform-provider-kratos/internal/kratosclient"
)

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
// the identity schema marks as login identifiers (see loginIdentifiers), as Kratos stores them.
// fromSchema is false when the schema cannot be loaded; on create without schema_id it is
// Kratos's default, which the provider cannot know.
func traitIdentifiers(ctx context.Context, schemas *schemaCache, schemaID string, traits json.RawMessage) (ids []string, fromSchema bool) {
	if schemaID == "" || schemas == nil {
		return nil, false
	}
	s, err := schemas.get(ctx, schemaID)
	if err != nil {
		return nil, false
	}
	for _, id := range loginIdentifiers(s, string(traits)) {
		ids = appendCandidate(ids, id.value)
	}
	return ids, true
}

// traitStrings lists every string in the traits, normalised as Kratos matches identifiers.
func traitStrings(traits json.RawMessage) []string {
	var out []string
	if v, err := decodeJSON(string(traits)); err == nil {
		walkStrings(v, func(s string) { out = appendCandidate(out, normalizeAddress(s)) })
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
