package provider

import (
	"encoding/json"
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
		{`{"n":12345678901234567890}`, `{"n":1.2345678901234567890e19}`, true},
		// Kratos stores numbers as sent: digits beyond float64's precision count.
		{`{"n":19.999999999999999999}`, `{"n":20}`, false},
		{`{"n":19.999999999999999999}`, `{"n":19.9999999999999999990}`, true},
		{`{"n":0.1000000000000000055511151231257827}`, `{"n":0.1}`, false},
		{`{"n":-0}`, `{"n":0.0}`, true},
		{`[1e400]`, `[1E+400]`, true},
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

func TestCanonicalJSON(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		`{"b": 10.0, "a": [1E3, 1.50, "<&>"]}`: `{"a":[1000,1.5,"<&>"],"b":10}`,
		`12345678901234567890123`:              `12345678901234567890123`,
		`{"a":`:                                `{"a":`,
		// No digit is lost: Kratos v1.3.1 stores numbers as sent.
		`{"price":19.999999999999999999}`:                 `{"price":19.999999999999999999}`,
		`{"pi":3.141592653589793238462643383279}`:         `{"pi":3.141592653589793238462643383279}`,
		`[0.1000000000000000055511151231257827,1.2E-3]`:   `[0.1000000000000000055511151231257827,0.0012]`,
		`{"id":12345678901234567890,"big":1.5e21,"z":-0}`: `{"big":1500000000000000000000,"id":12345678901234567890,"z":0}`,
	} {
		if got := string(canonicalJSON(in)); got != want {
			t.Errorf("canonicalJSON(%s) = %s, want %s", in, got, want)
		}
	}
}

func TestCanonicalNumber(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		"0": "0", "-0.0": "0", "0e5": "0", "007": "7", "10.0": "10", "1E3": "1000", "1e+2": "100", "-12.3400e1": "-123.4",
		"1.50": "1.5", "0.0001": "0.0001", "1e-7": "0.0000001", "123.456e-5": "0.00123456", "5e-3": "0.005",
		"19.999999999999999999": "19.999999999999999999", "9007199254740993": "9007199254740993",
		"1e1001": "1e1001", "1E-1001": "1E-1001",
	} {
		if got := canonicalNumber(json.Number(in)); string(got) != want {
			t.Errorf("canonicalNumber(%s) = %s, want %s", in, got, want)
		}
	}
}
