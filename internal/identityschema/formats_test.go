package identityschema

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"
)

// TestKratosFormats checks each format whose check differs between santhosh-tekuri/jsonschema
// and Kratos v1.3.1's github.com/ory/jsonschema/v3 v3.0.8: for each, values where the two
// disagree and values both reject, with the answers of ory/jsonschema's own functions (for
// email also Kratos's, see TestAccIdentityJSON_emailFormatLikeKratos in internal/provider).
// Formats Kratos does not know are not checked.
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
				if got := Violations(s, string(traits)); (len(got) == 0) != wantAccepted {
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
			if got := Violations(s, `{"v":1}`); len(got) != 0 {
				t.Errorf("a number: violations %q", got)
			}
		})
	}
}

// compileTraitSchema compiles an identity schema whose traits have the given properties.
func compileTraitSchema(t *testing.T, properties string) *jsonschema.Schema {
	t.Helper()
	return mustCompile(t, `{"$schema":"http://json-schema.org/draft-07/schema#",`+
		`"properties":{"traits":{"type":"object","properties":`+properties+`}}}`)
}
