package provider

import (
	"context"
	"fmt"
	"strings"

	"github.com/google/uuid"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/tfsdk"
)

// ImportState accepts an identity ID (a UUID), external_id:<external ID> (Kratos v25.4.0 and
// later), or a credential identifier such as an email, or, from an import block's identity
// (Terraform 1.12 and later, OpenTofu 1.12 and later), the ID.
func (r *identityResource) ImportState(ctx context.Context, req resource.ImportStateRequest, resp *resource.ImportStateResponse) {
	var id string
	if req.ID == "" && req.Identity != nil && !req.Identity.Raw.IsNull() {
		id = importIdentityID(ctx, req.Identity, &resp.Diagnostics)
	} else {
		id = r.resolveImportID(ctx, req.ID, &resp.Diagnostics)
	}
	if resp.Diagnostics.HasError() {
		return
	}
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("id"), id)...)
	resp.Diagnostics.Append(setResourceIdentity(ctx, resp.Identity, id)...)
}

// importIdentityID reads the ID from an import block's identity, in canonical form; it must be a UUID.
func importIdentityID(ctx context.Context, from *tfsdk.ResourceIdentity, diags *diag.Diagnostics) string {
	var identity identityResourceIdentityModel
	diags.Append(from.Get(ctx, &identity)...)
	if diags.HasError() {
		return ""
	}
	raw := strings.TrimSpace(identity.ID.ValueString())
	id, err := uuid.Parse(raw)
	if err != nil {
		diags.AddError("Invalid import identity",
			fmt.Sprintf("The import block's identity.id %q is not a UUID: it must be the identity's ID. "+
				"To import by a credential identifier (login email, username or oidc provider:subject), write it as the import block's id instead of identity.", raw))
		return ""
	}
	return id.String()
}

// importExternalIDPrefix starts an import ID that names the identity by its external ID.
const importExternalIDPrefix = "external_id:"

// resolveImportID turns an import ID into the identity's ID: a UUID, in canonical form,
// external_id:<value>, looked up by external ID, or anything else, looked up as a credential
// identifier that must belong to exactly one identity.
func (r *identityResource) resolveImportID(ctx context.Context, importID string, diags *diag.Diagnostics) string {
	id := strings.TrimSpace(importID)
	if id == "" {
		// Kratos would read an empty identifier filter as none and list every identity.
		diags.AddError("Empty import ID",
			"The import ID is empty. Use the identity's ID (a UUID), external_id:<its external ID>, or one of its credential identifiers, such as its login email.")
		return ""
	}
	if parsed, err := uuid.Parse(id); err == nil {
		return parsed.String()
	}
	if externalID, ok := strings.CutPrefix(id, importExternalIDPrefix); ok {
		if externalID == "" {
			diags.AddError("Empty external ID", "The import ID external_id: names no external ID. Write it as external_id:<the identity's external ID>.")
			return ""
		}
		found := findByExternalID(ctx, r.data, externalID, path.Empty(), diags)
		if found == nil {
			return ""
		}
		return found.ID
	}
	client := r.data.clientOrError(diags)
	if diags.HasError() {
		return ""
	}
	matches, err := findByIdentifier(ctx, client, id)
	if err != nil {
		addClientError(diags, "Unable to Import Identity", err)
		return ""
	}
	switch len(matches) {
	case 0:
		diags.AddError("Identity not found",
			fmt.Sprintf("%q is not a UUID, so it was looked up as a credential identifier (login email, username or oidc provider:subject), "+
				"and no identity has it. Import by the identity's ID or by external_id:<its external ID> instead, or check the spelling.", id))
		return ""
	case 1:
		return matches[0].ID
	default:
		diags.AddError("Ambiguous identifier",
			fmt.Sprintf("%q is a credential identifier of %d identities (%s). Import by the identity's ID instead.",
				id, len(matches), strings.Join(identityIDs(matches), ", ")))
		return ""
	}
}
