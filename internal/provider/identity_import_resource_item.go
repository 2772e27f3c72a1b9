package provider

import (
	"encoding/json"
	"fmt"

	"github.com/kratos-tf/terraform-provider-kratos/internal/kratosclient"
)

// importItem is one member to create.
type importItem struct {
	key  string
	body kratosclient.CreateIdentityBody
	// externalID is the member's external_id, whether body sends it as the identity's external
	// ID (Kratos v25.4.0 and later) or in the marker of its admin metadata.
	externalID string
	// verified lists the addresses the member wants verified.
	verified []string
	// size is the length of the item in the request body.
	size int
}

// newImportItem returns the item that creates body for the member key in the resource self. The
// identity's admin metadata records self and, on a Kratos without external IDs (native false), the
// body's external ID; admin metadata that is not an object cannot hold them, which is an error
// only when it must hold the external ID (checked at plan time too).
func newImportItem(key string, body kratosclient.CreateIdentityBody, verified []string, self string, native bool) (importItem, error) {
	externalID := body.ExternalID
	marker := importMarker{Resource: self}
	if externalID != "" && !native {
		marker.ExternalID, body.ExternalID = externalID, ""
	}
	switch metadata, err := withMarker(body.MetadataAdmin, marker); {
	case err == nil:
		body.MetadataAdmin = metadata
	case marker.ExternalID != "":
		return importItem{}, err
	}
	b, err := json.Marshal(kratosclient.IdentityPatch{Create: &body})
	if err != nil {
		return importItem{}, fmt.Errorf("encoding member %q: %w", key, err)
	}
	return importItem{key: key, body: body, externalID: externalID, verified: verified, size: len(b)}, nil
}

// cleartext reports whether the item carries a cleartext password, which Kratos hashes.
func (it importItem) cleartext() bool {
	c := it.body.Credentials
	return c != nil && c.Password != nil && c.Password.Config.Password != ""
}

// importResult is what an import did, member by member.
type importResult struct {
	// created maps members now in Kratos to their identity IDs: created by this import, or found
	// identical to the member (same schema and traits), which an earlier apply created.
	created map[string]string
	// adopted are members whose identifier another identity already held; that identity is
	// recorded and left unchanged (on_conflict = "adopt").
	adopted map[string]adoption
	// failed are the members Kratos did not create, with its reason.
	failed []importFailure
	// unverified are members created without some of their verified_addresses.
	unverified []importFailure
	// unsent are the members not sent, or whose fate is unknown, because of err.
	unsent []string
	err    error
	// unclaimed are members recorded under an identity this resource could not claim.
	unclaimed []importFailure
}

// adoption is an existing identity recorded for a member.
type adoption struct {
	id, identifier string
}

// importFailure is a member and what went wrong with it.
type importFailure struct {
	key, reason string
}

// recorded reports whether the member key is in Kratos, created or adopted.
func (r *importResult) recorded(key string) bool {
	_, created := r.created[key]
	_, adopted := r.adopted[key]
	return created || adopted
}

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
