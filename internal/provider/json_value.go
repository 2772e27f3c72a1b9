package provider

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/attr/xattr"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/types/basetypes"
	"github.com/hashicorp/terraform-plugin-go/tftypes"
)

var (
	_ basetypes.StringTypable                    = jsonValueType{}
	_ basetypes.StringValuableWithSemanticEquals = jsonValue{}
	_ xattr.ValidateableAttribute                = jsonValue{}
	_ planmodifier.String                        = keepEquivalentJSON{}
)

// jsonValueType is the type of a JSON document held in a string attribute. Unlike
// jsontypes.Normalized, whose semantic equality compares number spellings, it treats
// 1, 1.0 and 1e0 as equal: the provider sends numbers to Kratos in canonical spelling.
type jsonValueType struct {
	basetypes.StringType
}

// String names the type in framework messages.
func (t jsonValueType) String() string { return "provider.jsonValueType" }

// ValueType returns the value type.
func (t jsonValueType) ValueType(context.Context) attr.Value { return jsonValue{} }

// Equal reports whether o is the same type.
func (t jsonValueType) Equal(o attr.Type) bool {
	other, ok := o.(jsonValueType)
	return ok && t.StringType.Equal(other.StringType)
}

// ValueFromString wraps a string value.
func (t jsonValueType) ValueFromString(_ context.Context, in basetypes.StringValue) (basetypes.StringValuable, diag.Diagnostics) {
	return jsonValue{StringValue: in}, nil
}

// ValueFromTerraform converts a protocol value.
func (t jsonValueType) ValueFromTerraform(ctx context.Context, in tftypes.Value) (attr.Value, error) {
	v, err := t.StringType.ValueFromTerraform(ctx, in)
	if err != nil {
		return nil, err
	}
	s, ok := v.(basetypes.StringValue)
	if !ok {
		return nil, fmt.Errorf("unexpected value type %T", v)
	}
	return jsonValue{StringValue: s}, nil
}

// jsonValue is a JSON document whose key order, whitespace and number spelling do not matter.
type jsonValue struct {
	basetypes.StringValue
}

// newJSONValue returns a known JSON value.
func newJSONValue(s string) jsonValue { return jsonValue{StringValue: basetypes.NewStringValue(s)} }

// newJSONNull returns a null JSON value.
func newJSONNull() jsonValue { return jsonValue{StringValue: basetypes.NewStringNull()} }

// Type returns the value's type.
func (v jsonValue) Type(context.Context) attr.Type { return jsonValueType{} }

// Equal reports exact (not semantic) equality, as the framework requires.
func (v jsonValue) Equal(o attr.Value) bool {
	other, ok := o.(jsonValue)
	return ok && v.StringValue.Equal(other.StringValue)
}

// StringSemanticEquals reports whether both documents decode to the same JSON value.
func (v jsonValue) StringSemanticEquals(_ context.Context, newValuable basetypes.StringValuable) (bool, diag.Diagnostics) {
	var diags diag.Diagnostics
	other, ok := newValuable.(jsonValue)
	if !ok {
		diags.AddError("Semantic equality check error",
			fmt.Sprintf("Expected a JSON value, got %T. This is a bug in the provider; please report it.", newValuable))
		return false, diags
	}
	eq, err := jsonSemanticEqual(v.ValueString(), other.ValueString())
	if err != nil {
		// Invalid JSON is reported by ValidateAttribute; here it simply differs.
		return false, nil
	}
	return eq, nil
}

// ValidateAttribute rejects a string that is not exactly one JSON document.
func (v jsonValue) ValidateAttribute(_ context.Context, req xattr.ValidateAttributeRequest, resp *xattr.ValidateAttributeResponse) {
	if v.IsNull() || v.IsUnknown() {
		return
	}
	if _, err := decodeJSON(v.ValueString()); err != nil {
		resp.Diagnostics.AddAttributeError(req.Path, "Invalid JSON",
			fmt.Sprintf("The value is not a JSON document: %v. Use jsonencode(...), a heredoc or file() with valid JSON.", err))
	}
}

// decodeJSON decodes exactly one JSON document, keeping numbers as json.Number.
func decodeJSON(s string) (any, error) {
	dec := json.NewDecoder(bytes.NewReader([]byte(s)))
	dec.UseNumber()
	var out any
	if err := dec.Decode(&out); err != nil {
		return nil, err
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return nil, errors.New("unexpected data after the JSON document")
	}
	return out, nil
}

// jsonSemanticEqual reports whether two JSON texts hold the same value.
func jsonSemanticEqual(a, b string) (bool, error) {
	va, err := decodeJSON(a)
	if err != nil {
		return false, err
	}
	vb, err := decodeJSON(b)
	if err != nil {
		return false, err
	}
	return jsonValuesEqual(va, vb), nil
}

// jsonValuesEqual compares decoded JSON values; numbers are equal when they have the same
// exact decimal value (see canonicalNumber).
func jsonValuesEqual(a, b any) bool {
	switch a := a.(type) {
	case map[string]any:
		bm, ok := b.(map[string]any)
		if !ok || len(a) != len(bm) {
			return false
		}
		for k, av := range a {
			bv, ok := bm[k]
			if !ok || !jsonValuesEqual(av, bv) {
				return false
			}
		}
		return true
	case []any:
		bs, ok := b.([]any)
		if !ok || len(a) != len(bs) {
			return false
		}
		for i := range a {
			if !jsonValuesEqual(a[i], bs[i]) {
				return false
			}
		}
		return true
	case json.Number:
		bn, ok := b.(json.Number)
		return ok && canonicalNumber(a) == canonicalNumber(bn)
	default:
		// string, bool and nil compare directly.
		return a == b
	}
}

// canonicalJSON re-encodes a JSON document with numbers in canonical spelling, so that
// Kratos, whose schema validator rejects 10.0 where an integer is expected, sees 10. It
// returns the text unchanged when it is not valid JSON, for Kratos to report.
func canonicalJSON(text string) json.RawMessage {
	v, err := decodeJSON(text)
	if err != nil {
		return json.RawMessage(text)
	}
	out, err := encodeJSON(canonicalNumbers(v))
	if err != nil {
		return json.RawMessage(text)
	}
	return out
}

// encodeJSON encodes a decoded JSON value compactly, leaving <, > and & unescaped.
func encodeJSON(v any) (json.RawMessage, error) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimSpace(b.Bytes()), nil
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

// maxCanonicalExponent bounds the exponents canonicalNumber expands. It lies far beyond
// float64's range (about 1e308), where Kratos's JSON Patch already fails on the identity.
const maxCanonicalExponent = 1000

// canonicalNumber spells a JSON number in one way per exact value, without losing a digit:
// Kratos v1.3.1 stores numbers as sent (19.999999999999999999 stays, it is not 20). Integers
// are plain digits, the only integer spelling Kratos's schema validator accepts for
// "integer"; other numbers are plain decimal fractions. A number whose exponent exceeds
// maxCanonicalExponent is returned as written.
func canonicalNumber(n json.Number) json.Number {
	text, negative := strings.CutPrefix(n.String(), "-")
	mantissa, exponent, hasExponent := strings.Cut(strings.ToLower(text), "e")
	exp := 0
	if hasExponent {
		e, err := strconv.Atoi(exponent)
		if err != nil || e > maxCanonicalExponent || e < -maxCanonicalExponent {
			return n
		}
		exp = e
	}
	// The value is digits × 10^exp, with digits free of leading and trailing zeros.
	whole, fraction, _ := strings.Cut(mantissa, ".")
	digits := strings.TrimLeft(whole+fraction, "0")
	exp -= len(fraction)
	trimmed := strings.TrimRight(digits, "0")
	exp += len(digits) - len(trimmed)
	digits = trimmed
	if digits == "" {
		return "0"
	}
	var out string
	switch point := len(digits) + exp; {
	case exp >= 0:
		out = digits + strings.Repeat("0", exp)
	case point > 0:
		out = digits[:point] + "." + digits[point:]
	default:
		out = "0." + strings.Repeat("0", -point) + digits
	}
	if negative {
		out = "-" + out
	}
	return json.Number(out)
}

// keepEquivalentJSON is a plan modifier that keeps the prior state's JSON text when the
// configuration holds the same document written differently. The framework applies
// semantic equality on read and apply only; without this, reformatting the configuration
// would plan an update. Terraform accepts a planned value equal to the prior state in
// place of a non-null configuration value.
type keepEquivalentJSON struct{}

// Description says what the modifier does.
func (keepEquivalentJSON) Description(context.Context) string {
	return "Key order, whitespace and number spelling do not cause a change."
}

// MarkdownDescription says what the modifier does.
func (m keepEquivalentJSON) MarkdownDescription(ctx context.Context) string {
	return m.Description(ctx)
}

// PlanModifyString keeps the prior text when it is semantically equal to the plan's.
func (keepEquivalentJSON) PlanModifyString(_ context.Context, req planmodifier.StringRequest, resp *planmodifier.StringResponse) {
	if req.StateValue.IsNull() || req.StateValue.IsUnknown() || req.PlanValue.IsNull() || req.PlanValue.IsUnknown() {
		return
	}
	if eq, err := jsonSemanticEqual(req.StateValue.ValueString(), req.PlanValue.ValueString()); err == nil && eq {
		resp.PlanValue = req.StateValue
	}
}

// jsonEquivalent compares two JSON attribute values semantically; null equals only null.
func jsonEquivalent(a, b jsonValue) bool {
	if a.IsNull() || b.IsNull() || a.IsUnknown() || b.IsUnknown() {
		return a.Equal(b)
	}
	eq, err := jsonSemanticEqual(a.ValueString(), b.ValueString())
	return err == nil && eq
}

// rawOrNil returns a known JSON value as canonical raw JSON, or nil.
func rawOrNil(v jsonValue) json.RawMessage {
	if v.IsNull() || v.IsUnknown() {
		return nil
	}
	return canonicalJSON(v.ValueString())
}
