package provider

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"

	"github.com/google/uuid"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"

	"github.com/kratos-tf/terraform-provider-kratos/internal/kratosclient"
)

// maxIdentifierLookups bounds how many trait values are looked up to explain a conflict or
// to find an identity whose creation response was lost.
const maxIdentifierLookups = 20

// ImportState accepts an identity ID (a UUID) or a credential identifier such as an email.
func (r *identityResource) ImportState(ctx context.Context, req resource.ImportStateRequest, resp *resource.ImportStateResponse) {
	id := strings.TrimSpace(req.ID)
	if id == "" {
		// Kratos would read an empty identifier filter as none and list every identity.
		resp.Diagnostics.AddError("Empty import ID",
			"The import ID is empty. Use the identity's ID (a UUID) or one of its credential identifiers, such as its login email.")
		return
	}
	if _, err := uuid.Parse(id); err != nil {
		client := r.data.clientOrError(&resp.Diagnostics)
		if resp.Diagnostics.HasError() {
			return
		}
		matches, err := findByIdentifier(ctx, client, id)
		if err != nil {
			addClientError(&resp.Diagnostics, "Unable to Import Identity", err)
			return
		}
		switch len(matches) {
		case 0:
			resp.Diagnostics.AddError("Identity not found",
				fmt.Sprintf("%q is not a UUID, so it was looked up as a credential identifier (login email, username or oidc provider:subject), "+
					"and no identity has it. Import by the identity's ID instead, or check the spelling.", id))
			return
		case 1:
			id = matches[0].ID
		default:
			resp.Diagnostics.AddError("Ambiguous identifier",
				fmt.Sprintf("%q is a credential identifier of %d identities (%s). Import by the identity's ID instead.",
					id, len(matches), strings.Join(identityIDs(matches), ", ")))
			return
		}
	}
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("id"), id)...)
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

// mayHaveActed reports whether a failed write may nevertheless have been carried out: the
// connection broke after sending, or a gateway gave up waiting for Kratos.
func mayHaveActed(err error) bool {
	var tErr *kratosclient.TransportError
	if errors.As(err, &tErr) {
		return tErr.MayHaveReachedServer()
	}
	s := kratosclient.StatusCode(err)
	return s == http.StatusBadGateway || s == http.StatusGatewayTimeout
}

// recoverLostCreate finds out what happened to a create whose answer was lost. An identity
// with one of the planned identifiers and identical traits is adopted; when none exists the
// create is sent once more; anything else is an error that names what was found.
func recoverLostCreate(ctx context.Context, client *kratosclient.Client, body kratosclient.CreateIdentityBody, cause error) (*kratosclient.Identity, error) {
	candidates := identifierCandidates(body)
	if len(candidates) == 0 {
		return nil, fmt.Errorf("%w; the traits hold no value that could be a login identifier, so the provider cannot tell whether Kratos created the identity: "+
			"look for it in Kratos and import it, or delete it, before applying again", cause)
	}
	found, err := findWithTraits(ctx, client, candidates, body.Traits)
	if err != nil {
		return nil, fmt.Errorf("%w; looking for the identity it may have created also failed: %w", cause, err)
	}
	switch len(found) {
	case 1:
		return &found[0], nil
	case 0:
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

// identifierCandidates lists the values that may be credential identifiers of the identity:
// every string in the traits, normalised as Kratos matches them, and each OIDC provider:subject.
func identifierCandidates(body kratosclient.CreateIdentityBody) []string {
	var out []string
	add := func(s string) {
		if s != "" && !slices.Contains(out, s) && len(out) < maxIdentifierLookups {
			out = append(out, s)
		}
	}
	if v, err := decodeJSON(string(body.Traits)); err == nil {
		walkStrings(v, func(s string) { add(strings.ToLower(strings.TrimSpace(s))) })
	}
	if body.Credentials != nil && body.Credentials.OIDC != nil {
		for _, p := range body.Credentials.OIDC.Config.Providers {
			add(p.Identifier())
		}
	}
	return out
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
		keys := make([]string, 0, len(v))
		for k := range v {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		for _, k := range keys {
			walkStrings(v[k], fn)
		}
	}
}

// addWriteError explains a failed create or update of the identity self ("" on create): a
// conflict names the identifiers already taken and suggests importing; a validation failure
// points at traits.
func addWriteError(ctx context.Context, client *kratosclient.Client, diags *diag.Diagnostics, summary, self string, traits json.RawMessage, err error) {
	var apiErr *kratosclient.APIError
	if !errors.As(err, &apiErr) {
		addClientError(diags, summary, err)
		return
	}
	switch apiErr.StatusCode {
	case http.StatusConflict:
		diags.AddAttributeError(path.Root("traits"), summary+": identifier already taken", conflictDetail(ctx, client, self, traits, apiErr))
	case http.StatusBadRequest:
		reason := apiErr.Detail()
		switch {
		case strings.Contains(reason, "hash format"):
			diags.AddAttributeError(path.Root("hashed_password"), summary+": hash rejected",
				"Kratos answered: "+reason+"\n\nUse a hash in a format Kratos imports.")
		case strings.Contains(reason, "JSON Schema ID"):
			diags.AddAttributeError(path.Root("schema_id"), summary+": unknown schema",
				"Kratos answered: "+reason+"\n\nUse one of the IDs under identity.schemas in Kratos's configuration.")
		case strings.Contains(reason, "I[#/"):
			diags.AddAttributeError(path.Root("traits"), summary+": traits rejected by the identity schema",
				"Kratos answered: "+reason+"\n\nI[…] is the place in the traits, S[…] the schema rule. Fix the traits to match the identity schema.")
		default:
			addClientError(diags, summary, err)
		}
	default:
		addClientError(diags, summary, err)
	}
}

// conflictDetail names the identifiers from traits that identities other than self already use.
func conflictDetail(ctx context.Context, client *kratosclient.Client, self string, traits json.RawMessage, cause *kratosclient.APIError) string {
	var taken []string
	for _, c := range identifierCandidates(kratosclient.CreateIdentityBody{Traits: traits}) {
		matches, err := findByIdentifier(ctx, client, c)
		if err != nil {
			break
		}
		for _, m := range matches {
			if m.ID == self {
				continue
			}
			taken = append(taken, fmt.Sprintf("%q is an identifier of identity %s", c, m.ID))
		}
	}
	if len(taken) == 0 {
		return fmt.Sprintf("Kratos answered %s.\n\nA value in the traits is already used by another identity: a login identifier, "+
			"or a verification or recovery address (these are unique too). Find the identity with `terraform import` "+
			"by its email, or change the traits.", cause.Error())
	}
	return fmt.Sprintf("Kratos answered HTTP 409 Conflict: %s.\n\nTo manage the existing identity instead, import it: "+
		"terraform import <resource address> <identity ID>, or an import block with that ID.", strings.Join(taken, "; "))
}
