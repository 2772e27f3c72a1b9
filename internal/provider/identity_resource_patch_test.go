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
			// Kratos stores numbers as sent, so digits beyond float64's precision are a change.
			name: "numbers beyond float64", prior: with(func(d *identityDocument) { d.MetadataPublic = `{"price":20,"id":12345678901234567890,"same":0.1}` }),
			planned: with(func(d *identityDocument) {
				d.MetadataPublic = `{"price":19.999999999999999999,"id":12345678901234567891,"same":1E-1}`
			}),
			want: []string{`replace /metadata_public/id 12345678901234567891`, `replace /metadata_public/price 19.999999999999999999`},
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
			want:    []string{`replace /traits/tags ["x","Y","z"]`},
		},
		{
			name: "array insert at the front", prior: with(func(d *identityDocument) { d.Traits = `{"email":"a@x.io","tags":["a","c","d"]}` }),
			planned: with(func(d *identityDocument) { d.Traits = `{"email":"a@x.io","tags":["x","a","c","d"]}` }),
			want:    []string{`replace /traits/tags ["x","a","c","d"]`},
		},
		{
			name: "array append", prior: base,
			planned: with(func(d *identityDocument) { d.Traits = strings.Replace(base.Traits, `"z"]`, `"z","w","v"]`, 1) }),
			want:    []string{`replace /traits/tags ["x","y","z","w","v"]`},
		},
		{
			name: "array shrink", prior: base,
			planned: with(func(d *identityDocument) { d.Traits = strings.Replace(base.Traits, `"x","y","z"`, `"x"`, 1) }),
			want:    []string{`replace /traits/tags ["x"]`},
		},
		{
			name: "array shrink with change", prior: base,
			planned: with(func(d *identityDocument) { d.Traits = strings.Replace(base.Traits, `"x","y","z"`, `"q"`, 1) }),
			want:    []string{`replace /traits/tags ["q"]`},
		},
		{
			name: "new array", prior: with(func(d *identityDocument) { d.Traits = `{"email":"a@x.io"}` }),
			planned: with(func(d *identityDocument) { d.Traits = `{"email":"a@x.io","tags":["a"]}` }),
			want:    []string{`add /traits/tags ["a"]`},
		},
		{
			name: "array number spelling", prior: with(func(d *identityDocument) { d.MetadataAdmin = `[1,2.50]` }),
			planned: with(func(d *identityDocument) { d.MetadataAdmin = `[1.0,2.5]` }), want: []string{},
		},
		{
			name: "top-level array", prior: with(func(d *identityDocument) { d.MetadataAdmin = `[1,2]` }),
			planned: with(func(d *identityDocument) { d.MetadataAdmin = `[0,1,2.0]` }),
			want:    []string{`replace /metadata_admin [0,1,2]`},
		},
		{
			// Only the outermost array that changes is sent, whole; the arrays beside it are left alone.
			name: "arrays in objects in arrays",
			prior: with(func(d *identityDocument) {
				d.MetadataPublic = `{"groups":[{"name":"a","members":[1,2]},{"name":"b","members":[[3],[4]]}],"other":[5],"o":{"p":[6]}}`
			}),
			planned: with(func(d *identityDocument) {
				d.MetadataPublic = `{"groups":[{"name":"a","members":[1,2]},{"name":"b","members":[[3],[4,5]]}],"other":[5],"o":{"p":[7],"q":1}}`
			}),
			want: []string{
				`replace /metadata_public/groups [{"members":[1,2],"name":"a"},{"members":[[3],[4,5]],"name":"b"}]`,
				`replace /metadata_public/o/p [7]`,
				`add /metadata_public/o/q 1`,
			},
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
			want: []string{
				`replace /metadata_admin "scalar"`,
				`replace /metadata_public/a/b [1,{"c":3,"d":null}]`,
				`add /metadata_public/a/e "~/"`,
				`replace /state "inactive"`,
				`replace /traits/email "b@x.io"`,
				`remove /traits/name/first`,
				`replace /traits/tags []`,
			},
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
			prior := documentJSON(t, tc.prior)
			for _, op := range ops {
				if strings.Count(op.Path, "/") == 1 && op.Op == "remove" {
					t.Errorf("top-level remove %s is a no-op in Kratos", op.Path)
				}
				if names, ok := namesArrayElement(t, prior, op.Path); ok {
					t.Errorf("%s %s addresses the array element %s: the operation is not idempotent", op.Op, op.Path, names)
				}
			}
			// Applying the patch to the prior document must give the planned one, and applying
			// it again must change nothing; fields the plan leaves unmanaged keep their prior value.
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
			// A replayed remove of a removed key leaves the document as it is; Kratos answers it with
			// 400 "unable to remove nonexistent key", so the client does not replay removes.
			opts := jsonpatch.NewApplyOptions()
			opts.AllowMissingPathOnRemove = true
			doc := prior
			for round := range 2 {
				doc, err = patch.ApplyWithOptions(doc, opts)
				if err != nil {
					t.Fatalf("applying %s (round %d): %v", raw, round+1, err)
				}
				if eq, err := jsonSemanticEqual(string(doc), string(documentJSON(t, expected))); err != nil || !eq {
					t.Errorf("round %d: patched document\n%s\ndiffers from the plan\n%s", round+1, doc, documentJSON(t, expected))
				}
			}
		})
	}
}

// namesArrayElement reports whether the JSON Pointer path walks through an array of doc, and
// which element it names.
func namesArrayElement(t *testing.T, doc []byte, path string) (string, bool) {
	t.Helper()
	var v any
	if err := json.Unmarshal(doc, &v); err != nil {
		t.Fatal(err)
	}
	unescape := strings.NewReplacer("~1", "/", "~0", "~")
	for _, token := range strings.Split(path, "/")[1:] {
		switch node := v.(type) {
		case []any:
			return token, true
		case map[string]any:
			v = node[unescape.Replace(token)]
		default:
			return "", false
		}
	}
	return "", false
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
		{ID: "2", Value: "b@x.io", Via: "email", Status: "pending"},
		{ID: "1", Value: "a@x.io", Via: "email", Verified: true, Status: "completed"},
		{ID: "3", Value: "c@x.io", Via: "email", Status: "sent"},
	}
	const (
		a        = `{"value":"a@x.io","verified":true,"via":"email","status":"completed"}`
		bPending = `{"value":"b@x.io","verified":false,"via":"email","status":"pending"}`
		bDone    = `{"id":"00000000-0000-0000-0000-000000000000","value":"b@x.io","verified":true,"via":"email","status":"completed"}`
		cSent    = `{"value":"c@x.io","verified":false,"via":"email","status":"sent"}`
	)
	cases := []struct {
		name    string
		current []kratosclient.VerifiableAddress
		want    []string
		// array is the expected value of the single replace of /verifiable_addresses, where changed
		// and new entries carry the zero ID; "" means no operation.
		array string
	}{
		{name: "nothing wanted", current: current},
		{name: "nothing known, nothing wanted"},
		{name: "already verified, any spelling", current: current, want: []string{" A@X.io "}},
		{
			// The order is kept, the verified address not listed stays verified, the other one stays as it is.
			name: "one to verify", current: current, want: []string{"B@x.io"},
			array: "[" + bDone + "," + a + "," + cSent + "]",
		},
		{
			name: "one to verify and one verified", current: current, want: []string{"a@x.io", "b@x.io"},
			array: "[" + bDone + "," + a + "," + cSent + "]",
		},
		{
			// Addresses the list lacks are appended once, by channel: the traits of the same patch may produce them.
			name: "new addresses", current: current, want: []string{"D@x.io", " d@x.io", "+4912345"},
			array: "[" + bPending + "," + a + "," + cSent + `,{"id":"00000000-0000-0000-0000-000000000000","value":"d@x.io","verified":true,"via":"email","status":"completed"},` +
				`{"id":"00000000-0000-0000-0000-000000000000","value":"+4912345","verified":true,"via":"sms","status":"completed"}]`,
		},
		{
			name: "empty list", want: []string{"a@x.io"},
			array: `[{"id":"00000000-0000-0000-0000-000000000000","value":"a@x.io","verified":true,"via":"email","status":"completed"}]`,
		},
		{
			// From the resource's state, which records no status: an unchanged entry omits it and so
			// keeps the stored one; the entry verified now says completed.
			name: "from the state", want: []string{"b@x.io"},
			current: []kratosclient.VerifiableAddress{{Value: "b@x.io", Via: "email"}, {Value: "a@x.io", Via: "email", Verified: true}},
			array:   "[" + bDone + `,{"value":"a@x.io","verified":true,"via":"email"}]`,
		},
		{
			// A stale list (the traits changed outside Terraform): the operation names no index, so
			// Kratos can only keep b verified if the traits still produce it.
			name: "stale list", current: []kratosclient.VerifiableAddress{{Value: "b@x.io", Via: "email", Status: "pending"}},
			want: []string{"b@x.io"}, array: "[" + bDone + "]",
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			ops := verificationOps(tc.current, tc.want)
			if tc.array == "" {
				if ops != nil {
					t.Fatalf("want no operation, got %v", ops)
				}
				return
			}
			if len(ops) != 1 || ops[0].Op != "replace" || ops[0].Path != "/verifiable_addresses" {
				t.Fatalf("want one replace of /verifiable_addresses, got %v", ops)
			}
			if got := string(ops[0].Value); got != tc.array {
				t.Errorf("array:\n%s\nwant:\n%s", got, tc.array)
			}
		})
	}
}
