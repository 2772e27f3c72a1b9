package provider

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math/big"
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

// verificationOps returns the operations that mark each of want as verified. current is
// the identity's verifiable addresses in the order Kratos reads them from its database (by
// ID, as GET returns them), which is what a patch's indices refer to: an address found there
// (compared case-insensitively) is patched in place by index, a new one is appended, and
// Kratos keeps an appended entry when the traits produce the same address.
func verificationOps(current []kratosclient.VerifiableAddress, want []string) []kratosclient.PatchOp {
	var ops []kratosclient.PatchOp
	for _, addr := range want {
		norm := normalizeAddress(addr)
		idx := -1
		for i, a := range current {
			if normalizeAddress(a.Value) == norm {
				idx = i
				break
			}
		}
		switch {
		case idx >= 0 && current[idx].Verified:
			continue
		case idx >= 0:
			base := "/verifiable_addresses/" + strconv.Itoa(idx)
			ops = append(ops,
				kratosclient.PatchOp{Op: "replace", Path: base + "/verified", Value: json.RawMessage("true")},
				kratosclient.PatchOp{Op: "replace", Path: base + "/status", Value: json.RawMessage(`"completed"`)})
		default:
			entry, _ := json.Marshal(verifiedAddressImport(addr))
			ops = append(ops, kratosclient.PatchOp{Op: "add", Path: "/verifiable_addresses/-", Value: entry})
		}
	}
	return ops
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
