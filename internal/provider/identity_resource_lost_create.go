package provider

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	"github.com/hashicorp/terraform-plugin-log/tflog"
	"github.com/kratos-tf/terraform-provider-kratos/internal/kratosclient"
)

// recoverLostCreate finds out what happened to a create whose answer was lost. An identity
// with one of the planned identifiers and identical traits is adopted; when none exists the
// create is sent once more; anything else is an error that names what was found.
func recoverLostCreate(ctx context.Context, data *providerData, body kratosclient.CreateIdentityBody, cause error) (*kratosclient.Identity, error) {
	client := data.client
	if adopted, err := findCreatedByExternalID(ctx, client, body); adopted != nil || err != nil {
		if err != nil {
			return nil, fmt.Errorf("%w; looking for the identity it may have created also failed: %w", cause, err)
		}
		tflog.Info(ctx, "Adopted the identity Kratos had created, found by its external ID", map[string]any{"id": adopted.ID})
		return adopted, nil
	}
	candidates, fromSchema := traitIdentifiers(ctx, data.schemas, body.SchemaID, body.Traits)
	if !fromSchema {
		// Without the schema any string may be an identifier; only an identity with identical
		// traits is adopted, so looking up too many is harmless.
		candidates = traitStrings(body.Traits)
	}
	if body.Credentials != nil && body.Credentials.OIDC != nil {
		for _, p := range body.Credentials.OIDC.Config.Providers {
			candidates = appendCandidate(candidates, p.Identifier())
		}
	}
	if len(candidates) == 0 {
		return nil, fmt.Errorf("%w; the traits hold no value that could be a login identifier, so the provider cannot tell whether Kratos created the identity: "+
			"look for it in Kratos and import it, or delete it, before applying again", cause)
	}
	tflog.Info(ctx, "Create answer lost; looking for the identity Kratos may have created", map[string]any{
		"cause": cause.Error(), "identifiers_to_look_up": len(candidates), "identifiers_from_schema": fromSchema,
	})
	found, err := findWithTraits(ctx, client, candidates, body.Traits)
	if err != nil {
		return nil, fmt.Errorf("%w; looking for the identity it may have created also failed: %w", cause, err)
	}
	switch len(found) {
	case 1:
		tflog.Info(ctx, "Adopted the identity Kratos had created", map[string]any{"id": found[0].ID})
		return &found[0], nil
	case 0:
		tflog.Info(ctx, "No identity found; creating it again")
		created, err := client.CreateIdentity(ctx, body)
		if kratosclient.IsConflict(err) {
			// The first request won the race after all: look once more.
			if found, ferr := findWithTraits(ctx, client, candidates, body.Traits); ferr == nil && len(found) == 1 {
				return &found[0], nil
			}
		}
		return created, err
	default:
		return nil, fmt.Errorf("%w; identities %s have the planned traits, so the provider cannot tell which one it created: "+
			"import the right one and delete the others", cause, strings.Join(identityIDs(found), ", "))
	}
}

// findCreatedByExternalID returns the identity that holds the external ID the create sent when its
// traits are the planned ones (external IDs are unique, so one request tells), or nil when none
// does or none was sent; an identity with other traits is left to the create's conflict.
func findCreatedByExternalID(ctx context.Context, client *kratosclient.Client, body kratosclient.CreateIdentityBody) (*kratosclient.Identity, error) {
	if body.ExternalID == "" {
		return nil, nil
	}
	found, err := client.GetIdentityByExternalID(ctx, body.ExternalID)
	if kratosclient.IsNotFound(err) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	// Traits that cannot be compared are not the member's.
	if eq, _ := jsonSemanticEqual(string(found.Traits), string(body.Traits)); !eq {
		return nil, nil
	}
	return found, nil
}

// findWithTraits returns the distinct identities that have one of the identifiers and
// traits equal to traits.
func findWithTraits(ctx context.Context, client *kratosclient.Client, identifiers []string, traits json.RawMessage) ([]kratosclient.Identity, error) {
	var out []kratosclient.Identity
	for _, ident := range identifiers {
		matches, err := findByIdentifier(ctx, client, ident)
		if err != nil {
			return nil, err
		}
		for _, m := range matches {
			if slices.ContainsFunc(out, func(o kratosclient.Identity) bool { return o.ID == m.ID }) {
				continue
			}
			if eq, err := jsonSemanticEqual(string(m.Traits), string(traits)); err == nil && eq {
				out = append(out, m)
			}
		}
	}
	return out, nil
}
