package provider

import (
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
	// Examples of each format Kratos v1.3.1 imports (shapes from its handler tests).
	accepted := []string{
		"$2a$04$zfDzSDVhQpQ5bvHm1SyPuOfHoXrnypK6lVEo8QjRd6ckq/KSL1foW",
		"$2b$10$x", "$2y$10$x", "$2$x", "$2z$x",
		"$argon2id$v=19$m=16,t=2,p=1$bmFjbA$c2FsdA",
		"$argon2i$v=19$m=65536,t=3,p=4$c2FsdA$aGFzaA",
		"$pbkdf2-sha256$i=1000,l=32$c2FsdA$aGFzaA", "$pbkdf2-sha512$i=1,l=64$a$b",
		"$scrypt$ln=16384,r=8,p=1$c2FsdA$aGFzaA", "$firescrypt$ln=14,r=8,p=1$c2FsdA$aGFzaA$c2Vw$a2V5",
		"$md5-crypt$x", "$sha256-crypt$x", "$sha512-crypt$rounds=5000$x",
		"$sha1$pf=e1NBTFR9e1BBU1NXT1JEfQ==$c2FsdA==$aGFzaA==", "$sha256$x", "$sha512$x",
		"{SSHA}aGFzaHNhbHQ=", "{SSHA256}x", "{SSHA512}x",
		"$md5$pf=x$$aGFzaA==",
		"$hmac-sha256$pf=x$a2V5$aGFzaA==", "$hmac-md4$x", "$hmac-sha384$x",
	}
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
	doc, err := jsonschema.UnmarshalJSON(strings.NewReader(string(raw)))
	if err != nil {
		t.Fatal(err)
	}
	c := jsonschema.NewCompiler()
	if err := c.AddResource("kratos:///schemas/employee", doc); err != nil {
		t.Fatal(err)
	}
	s, err := c.Compile("kratos:///schemas/employee")
	if err != nil {
		t.Fatal(err)
	}
	cases := map[string][]string{
		`{"email":"a@b.io","department":"eng","employee_id":1.0}`: nil,
		`{"email":"a@b.io","department":"hr","employee_id":0}`: {
			`at /traits/department: value must be one of 'eng', 'ops', 'sales' (rule "enum")`,
			`at /traits/employee_id: minimum: got 0, want 1 (rule "minimum")`,
		},
		`{"email":"not-an-email","department":"eng"}`:     {`at /traits/email: 'not-an-email' is not valid email: missing @ (rule "format")`},
		`{"email":"a@b.io","department":"eng","x/y~z":1}`: {`at /traits: additional properties 'x/y~z' not allowed (rule "additionalProperties")`},
		`{"department":"eng"}`:                            {`at /traits: missing property 'email' (rule "required")`},
		`[1]`:                                             {`at /traits: got array, want object (rule "type")`},
		`{"email":`:                                       nil, // invalid JSON is the type's to report
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
