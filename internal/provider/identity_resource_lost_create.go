package provider

import (
	"context"
	"fmt"
	"strings"

	"github.com/hashicorp/terraform-plugin-log/tflog"

	"github.com/kratos-tf/terraform-provider-kratos/internal/kratosclient"
)

// recoverLostCreate finds out what happened to a create whose answer was lost, with the lookup the
// import makes too (createHolders): the identity with the sent external ID, or one with a planned
// identifier, whose traits are the planned ones is adopted; when none exists the create is sent
// once more; anything else is an error that names what was found.
func recoverLostCreate(ctx context.Context, data *providerData, body kratosclient.CreateIdentityBody, cause error) (*kratosclient.Identity, error) {
	client := data.client
	look := func() holders { return createHolders(ctx, client, data.schemas, body, body.ExternalID, true) }
	tflog.Info(ctx, "Create answer lost; looking for the identity Kratos may have created", map[string]any{"cause": cause.Error(), "external_id_sent": body.ExternalID != ""})
	h := look()
	if h.err != nil {
		return nil, fmt.Errorf("%w; looking for the identity it may have created also failed: %w", cause, h.err)
	}
	if h.external == nil && len(h.identifiers) == 0 {
		return nil, fmt.Errorf("%w; the traits hold no value that could be a login identifier, so the provider cannot tell whether Kratos created the identity: "+
			"look for it in Kratos and import it, or delete it, before applying again", cause)
	}
	found := h.withTraits(body.Traits)
	switch len(found) {
	case 1:
		tflog.Info(ctx, "Adopted the identity Kratos had created", map[string]any{"id": found[0].ID})
		return &found[0], nil
	case 0:
		tflog.Info(ctx, "No identity found; creating it again")
		created, err := client.CreateIdentity(ctx, body)
		if kratosclient.IsConflict(err) {
			// The first request won the race after all: look once more.
			if again := look(); again.err == nil {
				if found := again.withTraits(body.Traits); len(found) == 1 {
					return &found[0], nil
				}
			}
		}
		return created, err
	default:
		return nil, fmt.Errorf("%w; identities %s have the planned traits, so the provider cannot tell which one it created: "+
			"import the right one and delete the others", cause, strings.Join(identityIDs(found), ", "))
	}
}
