package provider

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math/big"
	"slices"
	"strconv"
	"strings"

	"github.com/wI2L/jsondiff"

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

// tree decodes the document into canonical JSON values: numbers as json.Number in one
// spelling per value, so that 1.0 and 1 compare equal.
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

// computeIdentityPatch returns the minimal RFC 6902 operations that turn prior into planned:
// leaf-level inside traits and metadata, keys escaped per RFC 6901, and clearing a top-level
// field by replacing it with null (Kratos ignores a top-level remove). No change gives nil.
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
	diff, err := jsondiff.CompareWithoutMarshal(src, tgt)
	if err != nil {
		return nil, err
	}
	var ops []kratosclient.PatchOp
	for _, op := range diff {
		kind, value := op.Type, op.Value
		if kind == jsondiff.OperationRemove && strings.Count(op.Path, "/") == 1 {
			// A top-level remove is a no-op in Kratos; null clears the field.
			kind, value = jsondiff.OperationReplace, nil
		}
		if kind != jsondiff.OperationAdd && kind != jsondiff.OperationReplace && kind != jsondiff.OperationRemove {
			return nil, fmt.Errorf("unexpected JSON Patch operation %q", kind)
		}
		pop := kratosclient.PatchOp{Op: kind, Path: op.Path}
		if kind != jsondiff.OperationRemove {
			raw, err := json.Marshal(value)
			if err != nil {
				return nil, err
			}
			pop.Value = raw
		}
		ops = append(ops, pop)
	}
	return ops, nil
}

// canonicalJSON re-encodes a JSON document with numbers in canonical spelling, so that
// Kratos, whose schema validator rejects 10.0 where an integer is expected, sees 10. It
// returns the text unchanged when it is not valid JSON, for Kratos to report.
func canonicalJSON(text string) json.RawMessage {
	v, err := decodeJSON(text)
	if err != nil {
		return json.RawMessage(text)
	}
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(canonicalNumbers(v)); err != nil {
		return json.RawMessage(text)
	}
	return json.RawMessage(bytes.TrimSpace(b.Bytes()))
}

// canonicalNumbers rewrites every json.Number in v to one spelling per numeric value.
func canonicalNumbers(v any) any {
	switch v := v.(type) {
	case map[string]any:
		for k, e := range v {
			v[k] = canonicalNumbers(e)
		}
		return v
	case []any:
		for i, e := range v {
			v[i] = canonicalNumbers(e)
		}
		return v
	case json.Number:
		return canonicalNumber(v)
	default:
		return v
	}
}

// canonicalNumber spells integers without fraction or exponent and other numbers in Go's
// shortest float form.
func canonicalNumber(n json.Number) json.Number {
	r, ok := new(big.Rat).SetString(n.String())
	if !ok {
		return n
	}
	if r.IsInt() {
		return json.Number(r.Num().String())
	}
	f, err := strconv.ParseFloat(n.String(), 64)
	if err != nil {
		return n
	}
	return json.Number(strconv.FormatFloat(f, 'g', -1, 64))
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
// order, so an unchanged entry keeps its own ID; a changed or new entry carries the zero ID,
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
		norm := normalizeAddress(addr)
		i := slices.IndexFunc(entries, func(e addressEntry) bool { return normalizeAddress(e.Value) == norm })
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
	return kratosclient.VerifiableAddressImport{Value: normalizeAddress(addr), Via: via, Verified: true, Status: "completed"}
}

// normalizeAddress is how Kratos stores an address: trimmed and lowercased.
func normalizeAddress(s string) string { return strings.ToLower(strings.TrimSpace(s)) }
