package identityschema

import (
	"os"
	"strings"
	"testing"
)

// TestViolations describes violations of the harness's employee schema by place and rule.
func TestViolations(t *testing.T) {
	t.Parallel()
	raw, err := os.ReadFile("../kratostest/config/employee.schema.json")
	if err != nil {
		t.Fatal(err)
	}
	s := mustCompile(t, string(raw))
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
		got := Violations(s, traits)
		if strings.Join(got, "\n") != strings.Join(want, "\n") {
			t.Errorf("%s:\n got %q\nwant %q", traits, got, want)
		}
	}
}
