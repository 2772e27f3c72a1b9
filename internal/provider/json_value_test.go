package provider

import (
	"testing"

	"github.com/hashicorp/terraform-plugin-framework-jsontypes/jsontypes"
	"github.com/hashicorp/terraform-plugin-framework/attr/xattr"
	"github.com/hashicorp/terraform-plugin-framework/path"
)

func TestJSONValueSemanticEquals(t *testing.T) {
	t.Parallel()
	cases := []struct {
		a, b string
		want bool
	}{
		{`{"a":1,"b":[1,2]}`, "{\n  \"b\": [1, 2],\n  \"a\": 1\n}", true},
		{`{"n":1}`, `{"n":1.0}`, true},
		{`{"n":1000}`, `{"n":1E3}`, true},
		{`{"n":1.5}`, `{"n":1.50}`, true},
		{`{"n":12345678901234567890}`, `{"n":12345678901234567891}`, false},
		{`{"n":1}`, `{"n":"1"}`, false},
		{`{"a":null}`, `{}`, false},
		{`[1,2]`, `[2,1]`, false},
		{`{"a":{"b":true}}`, `{"a":{"b":false}}`, false},
	}
	for _, tc := range cases {
		got, diags := newJSONValue(tc.a).StringSemanticEquals(t.Context(), newJSONValue(tc.b))
		if diags.HasError() {
			t.Fatal(diags)
		}
		if got != tc.want {
			t.Errorf("%s vs %s: got %v, want %v", tc.a, tc.b, got, tc.want)
		}
	}
}

// TestJSONTypesNormalizedNumbers records why jsonValue exists: jsontypes.Normalized treats
// 1 and 1.0 as different, and Kratos rewrites numbers when it stores them.
func TestJSONTypesNormalizedNumbers(t *testing.T) {
	t.Parallel()
	eq, _ := jsontypes.NewNormalizedValue(`{"n":1}`).StringSemanticEquals(t.Context(), jsontypes.NewNormalizedValue(`{"n":1.0}`))
	if eq {
		t.Error("jsontypes.Normalized now compares numbers by value: replace jsonValue with it")
	}
}

func TestJSONValueValidate(t *testing.T) {
	t.Parallel()
	for s, ok := range map[string]bool{`{"a":1}`: true, `"x"`: true, `{"a":`: false, `{} {}`: false, ``: false} {
		var resp xattr.ValidateAttributeResponse
		newJSONValue(s).ValidateAttribute(t.Context(), xattr.ValidateAttributeRequest{Path: path.Root("traits")}, &resp)
		if resp.Diagnostics.HasError() == ok {
			t.Errorf("%q: valid=%v, diagnostics %v", s, ok, resp.Diagnostics)
		}
	}
}
