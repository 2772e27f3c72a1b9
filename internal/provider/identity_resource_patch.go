package provider

import (
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/kratos-tf/terraform-provider-kratos/internal/identityschema"
	"github.com/kratos-tf/terraform-provider-kratos/internal/kratosclient"
)

// identityDocument is the part of an identity that a JSON Patch changes. Empty SchemaID or
// State means "not managed here": the key is left out of the comparison.
type identityDocument struct {
	SchemaID       string
	State          string
	Traits         string
	MetadataPublic string // "" means null
	MetadataAdmin  string // "" means null
}

// tree decodes the document into JSON values with numbers in canonical spelling, as they
// are sent to Kratos.
func (d identityDocument) tree() (map[string]any, error) {
	out := map[string]any{}
	if d.SchemaID != "" {
		out["schema_id"] = d.SchemaID
	}
	if d.State != "" {
		out["state"] = d.State
	}
	for _, f := range []struct{ key, text string }{
		{"traits", d.Traits}, {"metadata_public", d.MetadataPublic}, {"metadata_admin", d.MetadataAdmin},
	} {
		if strings.TrimSpace(f.text) == "" {
			out[f.key] = nil
			continue
		}
		v, err := decodeJSON(f.text)
		if err != nil {
			return nil, fmt.Errorf("%s is not valid JSON: %w", f.key, err)
		}
		out[f.key] = canonicalNumbers(v)
	}
	if out["traits"] == nil {
		out["traits"] = map[string]any{}
	}
	return out, nil
}

// computeIdentityPatch returns the minimal RFC 6902 operations that turn prior into planned,
// or nil when nothing changes. Every operation is idempotent, so a request whose fate is
// unknown may be sent again: objects are compared key by key (keys escaped per RFC 6901),
// and any other change, inside an array too, replaces the whole value at the outermost
// changed path, never an array index or "-". A top-level field is cleared by replacing it
// with null (the tree holds null for absent metadata), since Kratos ignores a top-level remove.
func computeIdentityPatch(prior, planned identityDocument) ([]kratosclient.PatchOp, error) {
	if planned.SchemaID == "" {
		prior.SchemaID = ""
	}
	if planned.State == "" {
		prior.State = ""
	}
	src, err := prior.tree()
	if err != nil {
		return nil, fmt.Errorf("prior state: %w", err)
	}
	tgt, err := planned.tree()
	if err != nil {
		return nil, fmt.Errorf("plan: %w", err)
	}
	return diffJSON(nil, "", src, tgt)
}

// diffJSON appends to ops the operations that turn a into b at the JSON Pointer at: per key
// where both are objects, otherwise one replace of the whole value unless they are equal.
func diffJSON(ops []kratosclient.PatchOp, at string, a, b any) ([]kratosclient.PatchOp, error) {
	am, aIsObject := a.(map[string]any)
	bm, bIsObject := b.(map[string]any)
	if !aIsObject || !bIsObject {
		if jsonValuesEqual(a, b) {
			return ops, nil
		}
		return appendPatchOp(ops, "replace", at, b)
	}
	keys := slices.Collect(maps.Keys(am))
	for k := range bm {
		if _, ok := am[k]; !ok {
			keys = append(keys, k)
		}
	}
	slices.Sort(keys)
	var err error
	for _, k := range keys {
		path := at + "/" + identityschema.PointerToken(k)
		av, inA := am[k]
		bv, inB := bm[k]
		switch {
		case !inB:
			ops = append(ops, kratosclient.PatchOp{Op: "remove", Path: path})
		case !inA:
			ops, err = appendPatchOp(ops, "add", path, bv)
		default:
			ops, err = diffJSON(ops, path, av, bv)
		}
		if err != nil {
			return nil, err
		}
	}
	return ops, nil
}

// appendPatchOp appends one operation that sets the value at path.
func appendPatchOp(ops []kratosclient.PatchOp, op, path string, value any) ([]kratosclient.PatchOp, error) {
	raw, err := encodeJSON(value)
	if err != nil {
		return nil, err
	}
	return append(ops, kratosclient.PatchOp{Op: op, Path: path, Value: raw}), nil
}

// newAddressID is the ID sent for an address whose verification changes: Kratos stores such
// an address as a new row and, for the zero UUID, picks a new ID.
const newAddressID = "00000000-0000-0000-0000-000000000000"

// addressEntry is one element of the verifiable_addresses array a patch sends.
type addressEntry struct {
	ID string `json:"id,omitempty"`
	kratosclient.VerifiableAddressImport
}

// verificationOps returns the operation that marks each of want as verified, or nil when
// current already lists them all as verified. It replaces the whole verifiable_addresses
// array rather than patching an entry by index, because Kratos refuses the test operation
// that could guard an index: with a stale current, an index could point at another address.
// The array holds current with every wanted address marked verified, and appends the wanted
// addresses current lacks. Kratos then re-derives the addresses from the traits, keeping per
// value and channel the state supplied here and dropping entries the traits do not produce;
// so a stale current can at worst leave a wanted address unverified, never verify another.
//
// Kratos decodes the array onto the addresses it read from its database (ordered by ID), so
// a field an entry leaves out comes from the address at the same position. current is in that
// order, so an unchanged entry keeps its own ID, and its status too when current comes from the
// state, which records none; a changed or new entry carries the zero ID,
// because with a stale current the ID at its position may belong to an address Kratos keeps,
// and storing a second row under that ID fails with 409 Conflict.
func verificationOps(current []kratosclient.VerifiableAddress, want []string) []kratosclient.PatchOp {
	entries := make([]addressEntry, 0, len(current)+len(want))
	for _, a := range current {
		entries = append(entries, addressEntry{VerifiableAddressImport: kratosclient.VerifiableAddressImport{
			Value: a.Value, Via: a.Via, Verified: a.Verified, Status: a.Status,
		}})
	}
	changed := false
	for _, addr := range want {
		norm := identityschema.NormalizeAddress(addr)
		i := slices.IndexFunc(entries, func(e addressEntry) bool { return identityschema.NormalizeAddress(e.Value) == norm })
		switch {
		case i < 0:
			entries = append(entries, addressEntry{ID: newAddressID, VerifiableAddressImport: verifiedAddressImport(addr)})
		case entries[i].Verified:
			continue
		default:
			entries[i].ID, entries[i].Verified, entries[i].Status = newAddressID, true, "completed"
		}
		changed = true
	}
	if !changed {
		return nil
	}
	value, _ := json.Marshal(entries) // strings and booleans only: cannot fail
	return []kratosclient.PatchOp{{Op: "replace", Path: "/verifiable_addresses", Value: value}}
}

// verifiedAddressImport is the verified entry sent for an address: email when it has an @,
// otherwise sms.
func verifiedAddressImport(addr string) kratosclient.VerifiableAddressImport {
	via := "email"
	if !strings.Contains(addr, "@") {
		via = "sms"
	}
	return kratosclient.VerifiableAddressImport{Value: identityschema.NormalizeAddress(addr), Via: via, Verified: true, Status: "completed"}
}
