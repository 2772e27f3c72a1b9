package provider

import (
	"context"
	"encoding/json"
	"maps"
	"slices"

	"github.com/google/uuid"
	"github.com/hashicorp/terraform-plugin-log/tflog"

	"github.com/kratos-tf/terraform-provider-kratos/internal/kratosclient"
)

// newImportResourceID returns a new resource ID.
func newImportResourceID() string { return uuid.NewString() }

// claimedElsewhere reports whether another resource than self has claimed an identity.
func claimedElsewhere(metadataAdmin json.RawMessage, self string) bool {
	owner := markerOf(metadataAdmin).Resource
	return owner != "" && owner != self
}

// claimIdentities records, in each identity's admin metadata, that the resource self holds it; identities
// already claimed by self are left alone. It returns the identities it could not claim, with why.
func claimIdentities(ctx context.Context, client *kratosclient.Client, self string, identities []kratosclient.Identity) map[string]error {
	todo := map[string]json.RawMessage{}
	for _, id := range identities {
		if markerOf(id.MetadataAdmin).Resource != self {
			todo[id.ID] = id.MetadataAdmin
		}
	}
	failed := failuresByID(slices.Collect(maps.Keys(todo)), func(id string) error {
		m := markerOf(todo[id])
		m.Resource = self
		value, err := withMarker(todo[id], m)
		if err == nil {
			_, err = client.PatchIdentity(ctx, id, []kratosclient.PatchOp{{Op: "add", Path: "/metadata_admin", Value: value}})
		}
		return err
	})
	if len(todo) > 0 {
		tflog.Debug(ctx, "Claimed identities recorded by this resource", map[string]any{"identities": len(todo), "failed": len(failed)})
	}
	return failed
}

// unclaimed returns those of ids that exist and that no other resource than self has claimed,
// with one list request per kratosclient.MaxListIDs IDs, and the IDs another resource holds.
func unclaimed(ctx context.Context, client *kratosclient.Client, self string, ids []string) (mine, elsewhere []string, err error) {
	err = listExisting(ctx, client, ids, func(id *kratosclient.Identity) {
		if claimedElsewhere(id.MetadataAdmin, self) {
			elsewhere = append(elsewhere, id.ID)
		} else {
			mine = append(mine, id.ID)
		}
	})
	return mine, elsewhere, err
}

// scanMarkedExternalIDs lists every identity, on a Kratos without external IDs, and returns those
// whose marker holds one of the external IDs wanted, by external ID.
func scanMarkedExternalIDs(ctx context.Context, client *kratosclient.Client, wanted map[string]bool) (map[string]kratosclient.Identity, error) {
	out := map[string]kratosclient.Identity{}
	for id, err := range client.ListIdentities(ctx, kratosclient.ListIdentitiesParams{PageSize: kratosclient.MaxListIDs}) {
		if err != nil {
			return nil, err
		}
		if ext := markerOf(id.MetadataAdmin).ExternalID; ext != "" && wanted[ext] {
			out[ext] = id
		}
	}
	return out, nil
}
