package identityschema

import (
	"slices"
	"testing"
)

// TestLoginIdentifiers proves that exactly the values the identity schema makes credential
// identifiers are found, wherever the schema puts them, and that the rest of the traits is not.
func TestLoginIdentifiers(t *testing.T) {
	t.Parallel()
	for _, draft := range []string{"http://json-schema.org/draft-07/schema#", "https://json-schema.org/draft/2020-12/schema"} {
		s := mustCompile(t, `{
  "$schema": "`+draft+`",
  "definitions": {"handle": {"type": "string", "ory.sh/kratos": {"credentials": {"webauthn": {"identifier": true}}}}},
  "properties": {"traits": {
    "type": "object",
    "properties": {
      "email":    {"type": "string", "ory.sh/kratos": {"credentials": {"password": {"identifier": true}}, "verification": {"via": "email"}}},
      "username": {"type": "string", "ory.sh/kratos": {"credentials": {"password": {"identifier": false}}}},
      "handle":   {"$ref": "#/definitions/handle"},
      "phones":   {"type": "array", "items": {"type": "string", "ory.sh/kratos": {"credentials": {"code": {"identifier": true, "via": "sms"}}}}},
      "display":  {"type": "string", "ory.sh/kratos": {"credentials": {"passkey": {"display_name": true}, "totp": {"account_name": true}}}},
      "name":     {"type": "object", "properties": {"last": {"type": "string"}}},
      "nick":     {"allOf": [{"type": "string"}, {"ory.sh/kratos": {"credentials": {"password": {"identifier": true}}}}]}
    },
    "patternProperties": {"^alt_": {"type": "string", "ory.sh/kratos": {"credentials": {"password": {"identifier": true}}}}}
  }}
}`)
		traits := `{"email":" Ada@Example.org ","username":"ada","handle":"ADA-1","phones":["+15550100","+15550101"],
"display":"Ada L.","name":{"last":"Smith"},"nick":"Countess","alt_mail":"ada@old.example","other":"x"}`
		var got []string
		for _, id := range LoginIdentifiers(s, traits) {
			got = append(got, id.Pointer+"="+id.Value)
		}
		want := []string{"/traits/alt_mail=ada@old.example", "/traits/email=ada@example.org", "/traits/handle=ada-1", "/traits/nick=countess",
			"/traits/phones/0=+15550100", "/traits/phones/1=+15550101"}
		if !slices.Equal(got, want) {
			t.Errorf("%s:\n got %q\nwant %q", draft, got, want)
		}
	}
	// A recursive $ref ends.
	s := mustCompile(t, `{"definitions": {"node": {"type": "object", "properties": {"id": {"type": "string",
  "ory.sh/kratos": {"credentials": {"password": {"identifier": true}}}}, "next": {"$ref": "#/definitions/node"}}}},
  "properties": {"traits": {"$ref": "#/definitions/node"}}}`)
	if got := LoginIdentifiers(s, `{"id":"a","next":{"id":"b","next":{}}}`); len(got) != 2 {
		t.Errorf("recursive schema: got %v, want a and b", got)
	}
}

// TestMarkedValues proves that the marks of every subschema applying at one place are combined,
// that keys are escaped in the pointer, and that invalid JSON has no marked values.
func TestMarkedValues(t *testing.T) {
	t.Parallel()
	s := mustCompile(t, `{"properties": {"traits": {
  "properties": {"a/b~c": {"allOf": [
    {"ory.sh/kratos": {"credentials": {"password": {"identifier": true}}}},
    {"ory.sh/kratos": {"verification": {"via": "email"}}}]}},
  "additionalProperties": {"ory.sh/kratos": {"verification": {"via": "email"}}}}}}`)
	got := MarkedValues(s, `{"a/b~c":"Ada@X.io","other":"b@x.io","n":1}`)
	want := []MarkedValue{
		{Pointer: "/traits/a~1b~0c", Value: "ada@x.io", Mark: Mark{LoginIdentifier: true, Verifiable: true}},
		{Pointer: "/traits/other", Value: "b@x.io", Mark: Mark{Verifiable: true}},
	}
	if !slices.Equal(got, want) {
		t.Errorf("got %+v\nwant %+v", got, want)
	}
	if got := MarkedValues(s, `{"a/b~c":"x"} {}`); got != nil {
		t.Errorf("invalid JSON: got %+v", got)
	}
}
