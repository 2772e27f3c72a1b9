package provider

import (
	"strings"
	"testing"
)

// TestDecodeImportMembers decodes the identities document: a member written with nulls and
// jsonencode'd traits equals the same member written with objects and lists in another order,
// and each kind of mistake gets its own error naming the member.
func TestDecodeImportMembers(t *testing.T) {
	hash := bcryptHash(t, testPassword)
	a, problems, err := decodeImportMembers(`{"m": {"schema_id": "default", "traits": "{\"email\": \"a@x.test\", \"n\": 1.0}", "state": null,
		"verified_addresses": ["b@x.test", "a@x.test"], "oidc_providers": [{"provider": "gh", "subject": "2"}, {"provider": "gh", "subject": "1"}],
		"hashed_password": "` + hash + `", "metadata_admin": "[1]"}}`)
	if err != nil || len(problems) > 0 {
		t.Fatalf("decode: %v, %v", err, problems)
	}
	b, problems, err := decodeImportMembers(`{"m": {"traits": {"n": 1, "email": "a@x.test"}, "schema_id": "default", "metadata_admin": [1],
		"verified_addresses": ["a@x.test", "b@x.test"], "oidc_providers": [{"subject": "1", "provider": "gh"}, {"provider": "gh", "subject": "2"}],
		"hashed_password": "` + hash + `"}}`)
	if err != nil || len(problems) > 0 {
		t.Fatalf("decode: %v, %v", err, problems)
	}
	if !sameConfig(a["m"], b["m"]) {
		t.Errorf("the same member written two ways differs:\n%+v\n%+v", a["m"], b["m"])
	}
	empty, _, _ := decodeImportMembers(`{"m": {"schema_id": "default", "traits": {}, "verified_addresses": [], "oidc_providers": []}}`)
	absent, _, _ := decodeImportMembers(`{"m": {"schema_id": "default", "traits": {}}}`)
	if !sameConfig(empty["m"], absent["m"]) {
		t.Errorf("empty lists differ from absent ones: %+v, %+v", empty["m"], absent["m"])
	}
	if got := string(a["m"].Traits); got != `{"email":"a@x.test","n":1}` {
		t.Errorf("traits = %s, want the canonical object", got)
	}

	for _, tc := range []struct{ member, summary, detail string }{
		{`{"traits": {}}`, "Missing schema_id", `Member "k": schema_id is missing`},
		{`{"schema_id": "default", "traits": "not json"}`, "Invalid traits", `Member "k": traits must be a JSON object`},
		{`{"schema_id": "default", "traits": {}, "pasword": "x"}`, "Unknown member attribute", `Member "k": "pasword" is not an attribute of a member`},
		{`{"schema_id": 3, "traits": {}}`, "Invalid member attribute", `Member "k": schema_id must be a string.`},
		{`{"schema_id": "default", "traits": {}, "state": "gone"}`, "Invalid state", `Member "k": state is "gone"`},
		{`{"schema_id": "default", "traits": {}, "external_id": ""}`, "Empty external ID", `Member "k": external_id is empty`},
		{`{"schema_id": "default", "traits": {}, "hashed_password": ""}`, "Empty password hash", `Member "k": hashed_password is empty`},
		{`{"schema_id": "default", "traits": {}, "metadata_public": 7}`, "Unsupported metadata", `Member "k": metadata_public: The value must be a JSON object`},
		{`{"schema_id": "default", "traits": {}, "password": "p", "hashed_password": "` + hash + `"}`, "Conflicting passwords", `Member "k": it sets both`},
		{`{"schema_id": "default", "traits": {}, "oidc_providers": [{"provider": "a:b", "subject": "1"}]}`, "Invalid social sign-in", `without a colon`},
		{`[]`, "Invalid member", `Member "k": a member must be an object`},
	} {
		_, problems, err := decodeImportMembers(`{"k": ` + tc.member + `}`)
		if err != nil || len(problems) != 1 || problems[0].summary != tc.summary || !strings.Contains(problems[0].detail, tc.detail) {
			t.Errorf("%s: problems %+v (%v), want one %q containing %q", tc.member, problems, err, tc.summary, tc.detail)
		}
	}
	if _, _, err := decodeImportMembers(`[{"schema_id": "default"}]`); err == nil {
		t.Error("a list of members was accepted, want an error asking for an object")
	}
}
