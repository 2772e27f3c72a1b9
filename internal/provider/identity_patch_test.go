package provider

import (
	"encoding/json"
	"strings"
	"testing"

	jsonpatch "github.com/evanphx/json-patch/v5"

	"github.com/kratos-tf/terraform-provider-kratos/internal/kratosclient"
)

// documentJSON renders d the way the patch sees it, null metadata included.
func documentJSON(t *testing.T, d identityDocument) []byte {
	t.Helper()
	tree, err := d.tree()
	if err != nil {
		t.Fatal(err)
	}
	b, err := json.Marshal(tree)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestComputeIdentityPatch(t *testing.T) {
	t.Parallel()
	base := identityDocument{SchemaID: "default", State: "active", Traits: `{"email":"a@x.io","name":{"first":"A","last":"B"},"tags":["x","y","z"]}`}
	with := func(mod func(*identityDocument)) identityDocument {
		d := base
		mod(&d)
		return d
	}
	cases := []struct {
		name    string
		prior   identityDocument
		planned identityDocument
		// want lists the expected operations as "op path value"; nil checks only the result.
		want []string
	}{
		{name: "no change", prior: base, planned: base, want: []string{}},
		{
			name: "key order, whitespace and number spelling", prior: with(func(d *identityDocument) { d.MetadataPublic = `{"n":1.50,"m":1E3,"k":[1,2]}` }),
			planned: with(func(d *identityDocument) { d.MetadataPublic = "{ \"k\": [1.0, 2e0], \"m\": 1000, \"n\": 1.5 }" }), want: []string{},
		},
		{
			name: "nested leaf", prior: base,
			planned: with(func(d *identityDocument) {
				d.Traits = `{"email":"a@x.io","name":{"first":"C","last":"B"},"tags":["x","y","z"]}`
			}),
			want: []string{`replace /traits/name/first "C"`},
		},
		{
			name: "keys with tilde and slash", prior: with(func(d *identityDocument) { d.MetadataAdmin = `{"a/b":{"c~d":1},"e":2}` }),
			planned: with(func(d *identityDocument) { d.MetadataAdmin = `{"a/b":{"c~d":2},"e":2,"f~/g":true}` }),
			want:    []string{`replace /metadata_admin/a~1b/c~0d 2`, `add /metadata_admin/f~0~1g true`},
		},
		{
			name: "array element change", prior: base,
			planned: with(func(d *identityDocument) { d.Traits = strings.Replace(base.Traits, `"y"`, `"Y"`, 1) }),
			want:    []string{`replace /traits/tags/1 "Y"`},
		},
		{
			name: "array append", prior: base,
			planned: with(func(d *identityDocument) { d.Traits = strings.Replace(base.Traits, `"z"]`, `"z","w","v"]`, 1) }),
			want:    []string{`add /traits/tags/- "w"`, `add /traits/tags/- "v"`},
		},
		{
			name: "array shrink", prior: base,
			planned: with(func(d *identityDocument) { d.Traits = strings.Replace(base.Traits, `"x","y","z"`, `"x"`, 1) }),
			want:    []string{`remove /traits/tags/1`, `remove /traits/tags/1`},
		},
		{
			name: "array shrink with change", prior: base,
			planned: with(func(d *identityDocument) { d.Traits = strings.Replace(base.Traits, `"x","y","z"`, `"q"`, 1) }),
		},
		{
			name: "type change", prior: base,
			planned: with(func(d *identityDocument) {
				d.Traits = strings.Replace(base.Traits, `{"first":"A","last":"B"}`, `"A B"`, 1)
			}),
			want: []string{`replace /traits/name "A B"`},
		},
		{
			name: "remove a trait", prior: base,
			planned: with(func(d *identityDocument) { d.Traits = `{"email":"a@x.io","tags":["x","y","z"]}` }),
			want:    []string{`remove /traits/name`},
		},
		{
			name: "set metadata", prior: base,
			planned: with(func(d *identityDocument) { d.MetadataPublic = `{"plan":"pro"}` }),
			want:    []string{`replace /metadata_public {"plan":"pro"}`},
		},
		{
			name: "clear metadata", prior: with(func(d *identityDocument) { d.MetadataPublic, d.MetadataAdmin = `{"plan":"pro"}`, `[1]` }),
			planned: base, want: []string{`replace /metadata_admin null`, `replace /metadata_public null`},
		},
		{
			name: "state and schema", prior: base,
			planned: with(func(d *identityDocument) { d.State, d.SchemaID = "inactive", "employee" }),
			want:    []string{`replace /schema_id "employee"`, `replace /state "inactive"`},
		},
		{
			name: "unmanaged state is left alone", prior: base,
			planned: with(func(d *identityDocument) { d.State = "" }), want: []string{},
		},
		{
			name: "everything at once", prior: with(func(d *identityDocument) { d.MetadataPublic = `{"a":{"b":[1,{"c":2}]}}` }),
			planned: with(func(d *identityDocument) {
				d.Traits = `{"email":"b@x.io","name":{"last":"B"},"tags":[]}`
				d.MetadataPublic = `{"a":{"b":[1,{"c":3,"d":null}],"e":"~/"}}`
				d.MetadataAdmin = `"scalar"`
				d.State = "inactive"
			}),
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			ops, err := computeIdentityPatch(tc.prior, tc.planned)
			if err != nil {
				t.Fatal(err)
			}
			if tc.want != nil {
				got := make([]string, 0, len(ops))
				for _, op := range ops {
					s := op.Op + " " + op.Path
					if op.Value != nil {
						s += " " + string(op.Value)
					}
					got = append(got, s)
				}
				if strings.Join(got, "\n") != strings.Join(tc.want, "\n") {
					t.Errorf("operations:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(tc.want, "\n"))
				}
			}
			if len(tc.want) == 0 && tc.want != nil && ops != nil {
				t.Errorf("no change must give a nil patch (no request), got %v", ops)
			}
			for _, op := range ops {
				if strings.Count(op.Path, "/") == 1 && op.Op == "remove" {
					t.Errorf("top-level remove %s is a no-op in Kratos", op.Path)
				}
			}
			// Applying the patch to the prior document must give the planned one; fields
			// the plan leaves unmanaged keep their prior value.
			expected := tc.planned
			if expected.State == "" {
				expected.State = tc.prior.State
			}
			if expected.SchemaID == "" {
				expected.SchemaID = tc.prior.SchemaID
			}
			raw, err := json.Marshal(ops)
			if err != nil {
				t.Fatal(err)
			}
			patch, err := jsonpatch.DecodePatch(raw)
			if err != nil {
				t.Fatal(err)
			}
			applied, err := patch.Apply(documentJSON(t, tc.prior))
			if err != nil {
				t.Fatalf("applying %s: %v", raw, err)
			}
			if eq, err := jsonSemanticEqual(string(applied), string(documentJSON(t, expected))); err != nil || !eq {
				t.Errorf("patched document\n%s\ndiffers from the plan\n%s", applied, documentJSON(t, expected))
			}
		})
	}
}

func TestComputeIdentityPatchInvalidJSON(t *testing.T) {
	t.Parallel()
	_, err := computeIdentityPatch(identityDocument{Traits: `{}`}, identityDocument{Traits: `{"a":`})
	if err == nil || !strings.Contains(err.Error(), "traits") {
		t.Fatalf("want an error naming traits, got %v", err)
	}
}

func TestVerificationOps(t *testing.T) {
	t.Parallel()
	current := []kratosclient.VerifiableAddress{
		{Value: "a@x.io", Via: "email", Verified: true, Status: "completed"},
		{Value: "b@x.io", Via: "email", Status: "pending"},
	}
	ops := verificationOps(current, []string{"A@x.io", " B@X.io", "c@x.io", "+4912345"})
	var got []string
	for _, op := range ops {
		got = append(got, op.Op+" "+op.Path+" "+string(op.Value))
	}
	want := []string{
		`replace /verifiable_addresses/1/verified true`,
		`replace /verifiable_addresses/1/status "completed"`,
		`add /verifiable_addresses/- {"value":"c@x.io","verified":true,"via":"email","status":"completed"}`,
		`add /verifiable_addresses/- {"value":"+4912345","verified":true,"via":"sms","status":"completed"}`,
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("operations:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if ops := verificationOps(current, []string{"a@x.io"}); ops != nil {
		t.Errorf("an address already verified needs no operation, got %v", ops)
	}
}

func TestCanonicalJSON(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		`{"b": 10.0, "a": [1E3, 1.50, "<&>"]}`: `{"a":[1000,1.5,"<&>"],"b":10}`,
		`12345678901234567890123`:              `12345678901234567890123`,
		`{"a":`:                                `{"a":`,
	} {
		if got := string(canonicalJSON(in)); got != want {
			t.Errorf("canonicalJSON(%s) = %s, want %s", in, got, want)
		}
	}
}
