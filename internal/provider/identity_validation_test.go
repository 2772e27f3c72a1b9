package provider

import (
	"encoding/json"
	"os"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/santhosh-tekuri/jsonschema/v6"
)

func TestHashedPasswordValidator(t *testing.T) {
	t.Parallel()
	// Unknown prefixes are refused whatever follows; complete hashes of every format are
	// TestHashedPasswordAttribute_parsesHashBodies's.
	accepted := []string{"$2a$04$zfDzSDVhQpQ5bvHm1SyPuOfHoXrnypK6lVEo8QjRd6ckq/KSL1foW"}
	rejected := []string{"plaintext", "$2x$04$abc", "$argon2d$v=19$x", "$pbkdf2-sha$x", "$pbkdf2-sha1024$x", "{SSHA1}x", "$hmac-sha3$x", "$sha384$x", " $2a$04$x"}
	check := func(v string) bool {
		var resp validator.StringResponse
		hashedPasswordValidator{}.ValidateString(t.Context(), validator.StringRequest{
			Path: path.Root("hashed_password"), ConfigValue: types.StringValue(v),
		}, &resp)
		for _, d := range resp.Diagnostics {
			if strings.Contains(d.Detail(), v) {
				t.Errorf("the diagnostic repeats the secret: %s", d.Detail())
			}
		}
		return !resp.Diagnostics.HasError()
	}
	for _, v := range accepted {
		if !check(v) {
			t.Errorf("%q should be accepted", v)
		}
	}
	for _, v := range rejected {
		if check(v) {
			t.Errorf("%q should be rejected", v)
		}
	}
}

func TestSchemaViolations(t *testing.T) {
	t.Parallel()
	raw, err := os.ReadFile("../kratostest/config/employee.schema.json")
	if err != nil {
		t.Fatal(err)
	}
	s := compileSchema(t, string(raw))
	cases := map[string][]string{
		`{"email":"a@b.io","department":"eng","employee_id":1.0}`: nil,
		`{"email":"a@b.io","department":"hr","employee_id":0}`: {
			`at /traits/department: value must be one of 'eng', 'ops', 'sales' (rule "enum")`,
			`at /traits/employee_id: minimum: got 0, want 1 (rule "minimum")`,
		},
		`{"email":"not-an-email","department":"eng"}`:      {`at /traits/email: 'not-an-email' is not valid email: missing @ (rule "format")`},
		`{"email":"andré@example.org","department":"eng"}`: nil, // Kratos accepts UTF-8 before the @
		`{"email":"a@b.io","department":"eng","x/y~z":1}`:  {`at /traits: additional properties 'x/y~z' not allowed (rule "additionalProperties")`},
		`{"department":"eng"}`:                             {`at /traits: missing property 'email' (rule "required")`},
		`[1]`:                                              {`at /traits: got array, want object (rule "type")`},
		`{"email":`:                                        nil, // invalid JSON is the type's to report
	}
	for traits, want := range cases {
		got := schemaViolations(s, traits)
		if strings.Join(got, "\n") != strings.Join(want, "\n") {
			t.Errorf("%s:\n got %q\nwant %q", traits, got, want)
		}
	}
}

func TestMetadataValidator(t *testing.T) {
	t.Parallel()
	for v, ok := range map[string]bool{`{"a":1}`: true, `[1]`: true, `"0"`: true, `null`: true, `false`: true, `0`: false, `1.5`: false} {
		var resp validator.StringResponse
		metadataValidator{}.ValidateString(t.Context(), validator.StringRequest{
			Path: path.Root("metadata_public"), ConfigValue: types.StringValue(v),
		}, &resp)
		if resp.Diagnostics.HasError() == ok {
			t.Errorf("%s: accepted=%v, want %v", v, !resp.Diagnostics.HasError(), ok)
		}
	}
}

// TestKratosFormats checks each format whose check differs between santhosh-tekuri/jsonschema
// and Kratos v1.3.1's github.com/ory/jsonschema/v3 v3.0.8: for each, values where the two
// disagree and values both reject, with the answers of ory/jsonschema's own functions (for
// email also Kratos's, see TestAccIdentityJSON_emailFormatLikeKratos). Formats Kratos does not
// know are not checked.
func TestKratosFormats(t *testing.T) {
	t.Parallel()
	cases := map[string]struct{ accepted, rejected []string }{
		"email": {
			accepted: []string{"andré@example.org", "josé@example.org", "ünï😀@example.org", "a@b.-c.io", `"a b"@example.org`, "a@localhost"},
			rejected: []string{"not-an-email", "a@[1.2.3.4]", "a@[IPv6:::1]", "a@x.io.", "a..b@example.org", "a@exämple.org", "Bob <bob@x.io>"},
		},
		"hostname": {
			accepted: []string{"a.-b.io", "x.io.", "localhost"},
			rejected: []string{"-a.io", "a_b.io", "a..b", "a-.io", strings.Repeat("a", 64) + ".io"},
		},
		"date-time": {
			accepted: []string{"2024-01-02T03:04:05Z", "2024-01-02T03:04:05,5Z", "2024-01-02T3:04:05Z", "2024-01-02T03:04:05.123456789+02:00"},
			rejected: []string{"2024-01-02t03:04:05z", "2024-12-31T23:59:60Z", "2024-02-30T03:04:05Z", "2024-01-02 03:04:05Z"},
		},
		"time": {
			accepted: []string{"03:04:05Z", "3:04:05Z", "03:04:05,5Z", "03:04:05.5-07:00"},
			rejected: []string{"23:59:60Z", "03:04:05z", "03:04Z", "24:00:00Z"},
		},
		"ipv4":       {accepted: []string{"01.2.3.4", "+1.2.3.4", "1.2.3.4"}, rejected: []string{"1.2.3.256", "1.2.3", "a.b.c.d"}},
		"ip-address": {accepted: []string{"1.2.3.4"}, rejected: []string{"1.2.3.999"}},
		"uri": {
			accepted: []string{"http://[fe80::1%25en0]/", "http://x.io/", "mailto:a@x.io"},
			rejected: []string{"/relative", "http://[::1/"},
		},
		"iri":           {accepted: []string{"http://[fe80::1%25en0]/", "http://ä.example/"}, rejected: []string{"ä"}},
		"uri-reference": {accepted: []string{`a\b`, "/x", "http://[fe80::1%25en0]/"}, rejected: []string{"%zz"}},
		"iri-reference": {accepted: []string{`a\b`}, rejected: []string{"%zz"}},
		"uriref":        {accepted: []string{"/x"}, rejected: []string{"%zz"}},
		"uri-template": {
			accepted: []string{"http://x.io/{a}", "http://[fe80::1%25en0]/{a}"},
			rejected: []string{"http://x.io/{{a}}", "http://x.io/{a", "%zz"},
		},
		"json-pointer":          {accepted: []string{"", "/a~~0", "/a~0/b~1"}, rejected: []string{"/a~2", "a", "/a~", "/a~/b"}},
		"relative-json-pointer": {accepted: []string{"0/a~~0", "1#", "0", "10/a"}, rejected: []string{"01/a", "x", "00#", "1/a~"}},
		"uuid":                  {accepted: []string{"not-a-uuid"}},
		"duration":              {accepted: []string{"P1"}},
		"period":                {accepted: []string{"x"}},
		"semver":                {accepted: []string{"1.2"}},
	}
	for format, tc := range cases {
		t.Run(format, func(t *testing.T) {
			t.Parallel()
			s := compileTraitSchema(t, `{"v":{"format":"`+format+`"}}`)
			check := func(value string, wantAccepted bool) {
				traits, err := json.Marshal(map[string]any{"v": value})
				if err != nil {
					t.Fatal(err)
				}
				if got := schemaViolations(s, string(traits)); (len(got) == 0) != wantAccepted {
					t.Errorf("%q: violations %q, want accepted=%v as Kratos decides", value, got, wantAccepted)
				}
			}
			for _, v := range tc.accepted {
				check(v, true)
			}
			for _, v := range tc.rejected {
				check(v, false)
			}
			// Like santhosh-tekuri/jsonschema's own checks, these leave other types to Kratos.
			if got := schemaViolations(s, `{"v":1}`); len(got) != 0 {
				t.Errorf("a number: violations %q", got)
			}
		})
	}
}

// compileTraitSchema compiles an identity schema whose traits have the given properties.
func compileTraitSchema(t *testing.T, properties string) *jsonschema.Schema {
	t.Helper()
	return compileSchema(t, `{"$schema":"http://json-schema.org/draft-07/schema#",`+
		`"properties":{"traits":{"type":"object","properties":`+properties+`}}}`)
}

// compileSchema compiles an identity schema as the provider does.
func compileSchema(t *testing.T, raw string) *jsonschema.Schema {
	t.Helper()
	doc, err := jsonschema.UnmarshalJSON(strings.NewReader(raw))
	if err != nil {
		t.Fatal(err)
	}
	c := newSchemaCompiler()
	if err := c.AddResource("kratos:///schemas/test", doc); err != nil {
		t.Fatal(err)
	}
	s, err := c.Compile("kratos:///schemas/test")
	if err != nil {
		t.Fatal(err)
	}
	return s
}
