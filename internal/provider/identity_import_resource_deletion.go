package provider

import (
	"context"
	"fmt"
	"maps"
	"slices"

	"github.com/hashicorp/terraform-plugin-framework/diag"

	"github.com/kratos-tf/terraform-provider-kratos/internal/kratosclient"
)

// deleteUnclaimed deletes the identities of doomed (IDs to member keys) that exist and that no
// other resource than self has claimed, and reports why others are not deleted. It returns the
// identities it could not delete, which stay recorded so that the next apply tries again.
func deleteUnclaimed(ctx context.Context, client *kratosclient.Client, self string, doomed map[string]string, diags *diag.Diagnostics) map[string]bool {
	failed := map[string]bool{}
	if len(doomed) == 0 {
		return failed
	}
	mine, elsewhere, err := unclaimed(ctx, client, self, slices.Sorted(maps.Keys(doomed)))
	if err != nil {
		addClientError(diags, "Unable to Delete Imported Identities", err)
		for id := range doomed {
			failed[id] = true
		}
		return failed
	}
	errs := deleteIdentities(ctx, client, mine)
	for id := range errs {
		failed[id] = true
	}
	addDeleteErrors(diags, errs, doomed)
	if len(elsewhere) > 0 {
		keys := make([]string, len(elsewhere))
		for i, id := range elsewhere {
			keys[i] = doomed[id]
		}
		slices.Sort(keys)
		diags.AddWarning("Identities Kept for Another Import",
			fmt.Sprintf("%s not deleted, because another kratos_identity_import now records their identities (the members moved there): %s.",
				memberCountVerb(len(keys)), shortList(keys, ", ", importListBytes)))
	}
	return failed
}
