package provider

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"slices"

	"github.com/google/uuid"
	"github.com/hashicorp/terraform-plugin-log/tflog"

	"github.com/kratos-tf/terraform-provider-kratos/internal/kratosclient"
)

// Which kratos_identity_import holds an identity, recorded with the identity itself.
//
// Each resource has an ID of its own (the id attribute), which it writes into the admin metadata of
// every identity it creates, under importMarkerKey. When it records an identity it did not create
// (a member moved from another resource, or recognised after a replacement; not an adopted
// identity, which stays unchanged), it writes its ID there too: the identity is claimed. A resource
// deletes (with delete_on_destroy) only identities no other resource has claimed, so a member moved
// from one resource to another keeps its identity, whichever of the two Terraform applies first.
// On Kratos before v25.4.0, which has no external IDs, a member's external_id is kept under the
// same key, so that the member is recognised by it there too.
//
// importMarkerKey is the key of metadata_admin that kratos_identity_import writes.
const importMarkerKey = "kratos_identity_import"

// importMarker is what kratos_identity_import records in an identity's admin metadata.
type importMarker struct {
	// Resource is the id of the kratos_identity_import that holds the identity.
	Resource string `json:"resource,omitempty"`
	// ExternalID is the member's external_id, on Kratos before v25.4.0.
	ExternalID string `json:"external_id,omitempty"`
}

// newImportResourceID returns a new resource ID.
func newImportResourceID() string { return uuid.NewString() }

// markerOf reads the marker in an identity's admin metadata; an identity without one, or with
// metadata that is not an object, has the zero marker.
func markerOf(metadataAdmin json.RawMessage) importMarker {
	var doc map[string]json.RawMessage
	var m importMarker
	if json.Unmarshal(metadataAdmin, &doc) == nil {
		_ = json.Unmarshal(doc[importMarkerKey], &m)
	}
	return m
}

// withMarker returns admin metadata with the marker m set, the other keys unchanged; metadata that
// is neither an object nor null cannot hold it.
func withMarker(metadataAdmin json.RawMessage, m importMarker) (json.RawMessage, error) {
	doc := map[string]json.RawMessage{}
	if len(metadataAdmin) > 0 && string(metadataAdmin) != "null" {
		if err := json.Unmarshal(metadataAdmin, &doc); err != nil {
			return nil, fmt.Errorf("metadata_admin is not a JSON object, so it cannot hold the %q key the provider records the member in", importMarkerKey)
		}
	}
	raw, err := json.Marshal(m)
	if err != nil {
		return nil, err
	}
	doc[importMarkerKey] = raw
	return json.Marshal(doc)
}

// claimedElsewhere reports whether another resource than self has claimed an identity.
func claimedElsewhere(metadataAdmin json.RawMessage, self string) bool {
	owner := markerOf(metadataAdmin).Resource
	return owner != "" && owner != self
}

// claim records, in each identity's admin metadata, that the resource self holds it; identities
// already claimed by self are left alone. It returns the identities it could not claim, with why.
func claim(ctx context.Context, client *kratosclient.Client, self string, identities []kratosclient.Identity) map[string]error {
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
