package provider

import (
	"context"
	"fmt"
	"strings"

	"github.com/google/uuid"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
)

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
