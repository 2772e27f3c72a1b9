package provider

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"net/http"
	"reflect"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	fwresource "github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/tfsdk"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-go/tftypes"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"
	"golang.org/x/crypto/bcrypt"

	"github.com/kratos-tf/terraform-provider-kratos/internal/heappeak"
	"github.com/kratos-tf/terraform-provider-kratos/internal/identityschema"
	"github.com/kratos-tf/terraform-provider-kratos/internal/kratosclient"
	"github.com/kratos-tf/terraform-provider-kratos/internal/kratostest"
)

const importAddr = "kratos_identity_import.users"

// testMember is one member of a test configuration: its email, and its other attributes as HCL.
type testMember struct {
	email string
	// first is the first name in the traits.
	first string
	// hcl holds more attributes, one per line.
	hcl string
}

// importConfig renders a kratos_identity_import with the members and the resource's other
// attributes (HCL lines).
func importConfig(members map[string]testMember, attrs string) string {
	var b strings.Builder
	b.WriteString("resource \"kratos_identity_import\" \"users\" {\n" + attrs + "\n  identities = jsonencode({\n")
	for _, key := range slices.Sorted(maps.Keys(members)) {
		m := members[key]
		fmt.Fprintf(&b, "    %q = {\n      schema_id = \"default\"\n      traits    = { email = %q, name = { first = %q } }\n%s\n    }\n",
			key, m.email, m.first, m.hcl)
	}
	b.WriteString("  })\n}\n")
	return b.String()
}

// bcryptHash hashes password with bcrypt at cost 4, the cheapest.
func bcryptHash(t testing.TB, password string) string {
	t.Helper()
	h, err := bcrypt.GenerateFromPassword([]byte(password), 4)
	if err != nil {
		t.Fatal(err)
	}
	return string(h)
}

// holdersOfEmail lists the identities whose login identifier is email.
func holdersOfEmail(t *testing.T, email string) []kratosclient.Identity {
	t.Helper()
	found, err := findByIdentifier(context.Background(), testClient(t), email)
	if err != nil {
		t.Fatalf("look up %s: %v", email, err)
	}
	return found
}

// deleteEmailsAtEnd deletes, when the test ends, every identity that has one of the emails:
// imports leave their identities in Kratos.
func deleteEmailsAtEnd(t *testing.T, emails ...string) {
	t.Helper()
	t.Cleanup(func() {
		for _, e := range emails {
			for _, id := range holdersOfEmail(t, e) {
				if err := testClient(t).DeleteIdentity(context.Background(), id.ID); err != nil && !kratosclient.IsNotFound(err) {
					t.Errorf("delete identity %s: %v", id.ID, err)
				}
			}
		}
	})
}

// checkHeldOnce checks that exactly one identity has each email: nothing is duplicated.
func checkHeldOnce(t *testing.T, emails ...string) resource.TestCheckFunc {
	return func(*terraform.State) error {
		for _, e := range emails {
			if n := len(holdersOfEmail(t, e)); n != 1 {
				return fmt.Errorf("%d identities have %s, want 1", n, e)
			}
		}
		return nil
	}
}

// checkHeldByNone checks that no identity has any of the emails.
func checkHeldByNone(t *testing.T, emails ...string) resource.TestCheckFunc {
	return func(*terraform.State) error {
		for _, e := range emails {
			if n := len(holdersOfEmail(t, e)); n != 0 {
				return fmt.Errorf("%d identities have %s, want none", n, e)
			}
		}
		return nil
	}
}

// checkFirstName checks the first name in the traits of the one identity with email.
func checkFirstName(t *testing.T, email, want string) resource.TestCheckFunc {
	return func(*terraform.State) error {
		found := holdersOfEmail(t, email)
		if len(found) != 1 {
			return fmt.Errorf("%d identities have %s, want 1", len(found), email)
		}
		var traits struct {
			Name struct {
				First string `json:"first"`
			} `json:"name"`
		}
		if err := json.Unmarshal(found[0].Traits, &traits); err != nil {
			return err
		}
		if traits.Name.First != want {
			return fmt.Errorf("%s has first name %q, want %q", email, traits.Name.First, want)
		}
		return nil
	}
}

// checkImportedID checks that ids[key] is the ID of the one identity with email.
func checkImportedID(t *testing.T, key, email string) resource.TestCheckFunc {
	return func(s *terraform.State) error {
		found := holdersOfEmail(t, email)
		if len(found) != 1 {
			return fmt.Errorf("%d identities have %s, want 1", len(found), email)
		}
		return resource.TestCheckResourceAttr(importAddr, "ids."+key, found[0].ID)(s)
	}
}

// idsKeys checks that ids has exactly the keys.
func idsKeys(keys ...string) statecheck.StateCheck {
	checks := map[string]knownvalue.Check{}
	for _, k := range keys {
		checks[k] = knownvalue.NotNull()
	}
	return statecheck.ExpectKnownValue(importAddr, tfjsonpath.New("ids"), knownvalue.MapExact(checks))
}

// TestAccIdentityImport_basic imports four members (a bcrypt hash, a cleartext password, social
// sign-in with a verified address and metadata, an inactive one without password), proves the
// sign-ins, and then what a changed member, a change by the user, an out-of-band deletion, an
// added and a removed member do.
func TestAccIdentityImport_basic(t *testing.T) {
	env := newIdentityEnv(t)
	alice, bob, carol, dave, erin := uniqueEmail(t, "alice"), uniqueEmail(t, "bob"), uniqueEmail(t, "carol"), uniqueEmail(t, "dave"), uniqueEmail(t, "erin")
	deleteEmailsAtEnd(t, alice, bob, carol, dave, erin)
	const legacyPassword = "legacy-secret-77"
	members := map[string]testMember{
		"alice": {email: alice, first: "Alice", hcl: fmt.Sprintf("      hashed_password = %q", bcryptHash(t, legacyPassword))},
		"bob":   {email: bob, first: "Bob", hcl: fmt.Sprintf("      password = %q", testPassword)},
		"carol": {email: carol, first: "Carol", hcl: fmt.Sprintf(`      verified_addresses = [%q]
      oidc_providers     = [{ provider = "github", subject = %q }]
      metadata_public    = jsonencode({ plan = "pro" })
      metadata_admin     = jsonencode({ legacy_id = 42 })`, strings.ToUpper(carol), "gh-"+carol)},
		"dave": {email: dave, first: "Dave", hcl: `      state = "inactive"`},
	}
	changed := maps.Clone(members)
	changed["alice"] = testMember{email: alice, first: "Alicia", hcl: members["alice"].hcl}
	changed["bob"] = testMember{email: bob, first: "Bob", hcl: `      password = "a-new-password-1"`}
	later := maps.Clone(changed)
	delete(later, "bob")
	later["erin"] = testMember{email: erin, first: "Erin"}

	testAccRun(t, []resource.TestStep{
		{
			Config:            env.config(importConfig(members, "")),
			ConfigStateChecks: []statecheck.StateCheck{idsKeys("alice", "bob", "carol", "dave")},
			Check: resource.ComposeAggregateTestCheckFunc(
				checkLogin(t, alice, legacyPassword, true),
				checkLogin(t, bob, testPassword, true),
				checkImportedID(t, "alice", alice), checkImportedID(t, "bob", bob), checkImportedID(t, "carol", carol), checkImportedID(t, "dave", dave),
				func(*terraform.State) error {
					c := holdersOfEmail(t, carol)[0]
					if len(c.VerifiableAddresses) != 1 || !c.VerifiableAddresses[0].Verified {
						return fmt.Errorf("carol's addresses = %+v, want her email verified", c.VerifiableAddresses)
					}
					if !slices.Contains(c.Credentials["oidc"].Identifiers, "github:gh-"+carol) {
						return fmt.Errorf("carol's credentials = %+v, want github linked", c.Credentials)
					}
					if got := holdersOfEmail(t, dave)[0].State; got != "inactive" {
						return fmt.Errorf("dave's state = %q, want inactive", got)
					}
					return nil
				},
			),
		},
		{
			// The user changes her name herself; the configuration changes alice's name and bob's
			// password. Neither change is sent: the user's stays, and bob keeps his password.
			PreConfig: func() {
				id := holdersOfEmail(t, alice)[0].ID
				if _, err := testClient(t).PatchIdentity(t.Context(), id, []kratosclient.PatchOp{{Op: "replace", Path: "/traits/name/first", Value: json.RawMessage(`"Ally"`)}}); err != nil {
					t.Fatal(err)
				}
				env.reset()
			},
			Config:           env.config(importConfig(changed, "")),
			ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{plancheck.ExpectResourceAction(importAddr, plancheck.ResourceActionUpdate)}},
			Check: resource.ComposeAggregateTestCheckFunc(
				checkFirstName(t, alice, "Ally"),
				checkLogin(t, bob, testPassword, true),
				checkLogin(t, bob, "a-new-password-1", false),
				// Refreshes list the members with the ids filter, never one GET each; nothing is written.
				env.expectRequests(map[string]int{"GET /admin/identities/": 0, "PATCH /admin/identities": 0, "PUT /admin/identities": 0}),
				func(*terraform.State) error {
					if n := env.admin.count(http.MethodGet, "/admin/identities"); n == 0 {
						return fmt.Errorf("no list request refreshed the members; recorded:\n%s", env.admin.recorded())
					}
					return nil
				},
			),
		},
		{
			// Dave deletes his account: the next plan drops him from ids and does not create him again.
			PreConfig: func() {
				if err := testClient(t).DeleteIdentity(t.Context(), holdersOfEmail(t, dave)[0].ID); err != nil {
					t.Fatal(err)
				}
			},
			Config:            env.config(importConfig(changed, "")),
			ConfigPlanChecks:  resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()}},
			ConfigStateChecks: []statecheck.StateCheck{idsKeys("alice", "bob", "carol")},
			Check:             checkHeldByNone(t, dave),
		},
		{
			// erin is added, bob removed: bob's identity stays (delete_on_destroy is false), dave stays deleted.
			Config:            env.config(importConfig(later, "")),
			ConfigPlanChecks:  resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{plancheck.ExpectResourceAction(importAddr, plancheck.ResourceActionUpdate)}},
			ConfigStateChecks: []statecheck.StateCheck{idsKeys("alice", "carol", "erin")},
			Check: resource.ComposeAggregateTestCheckFunc(
				checkImportedID(t, "erin", erin), checkHeldOnce(t, bob), checkHeldByNone(t, dave), checkFirstName(t, alice, "Ally"),
			),
		},
	})
	// The destroy forgot the identities; they stay in Kratos.
	for _, e := range []string{alice, bob, carol, erin} {
		if n := len(holdersOfEmail(t, e)); n != 1 {
			t.Errorf("after destroy, %d identities have %s, want 1 (delete_on_destroy is false)", n, e)
		}
	}
}

// TestAccIdentityImport_partialFailures makes Kratos refuse some members, in small chunks: an
// identifier an existing identity has (adopted), and a password too long for bcrypt, which fails
// its whole batch. The others are imported, and the next apply converges without duplicates.
// Identifiers two members share are refused at plan time, on create and on update, before
// anything is sent.
func TestAccIdentityImport_partialFailures(t *testing.T) {
	skipWithoutAcc(t)
	setForTest(t, &importChunkLimits, importLimits{members: 3, passwords: 2, bytes: 4 << 20})
	dup, taken, long, ok1, ok2, ok3, fixed, late := uniqueEmail(t, "dup"), uniqueEmail(t, "taken"), uniqueEmail(t, "long"),
		uniqueEmail(t, "ok1"), uniqueEmail(t, "ok2"), uniqueEmail(t, "ok3"), uniqueEmail(t, "fixed"), uniqueEmail(t, "late")
	existing := seedIdentity(t, kratosclient.CreateIdentityBody{SchemaID: "default", Traits: json.RawMessage(fmt.Sprintf(`{"email":%q,"name":{"first":"Existing"}}`, taken))})
	deleteEmailsAtEnd(t, dup, long, ok1, ok2, ok3, fixed, late)
	hash := bcryptHash(t, testPassword)
	withHash := fmt.Sprintf("      hashed_password = %q", hash)
	// In key order the chunks are [dup-a dup-b long] [ok1 ok2 ok3] [taken].
	members := map[string]testMember{
		"dup-a": {email: dup, first: "A", hcl: withHash},
		"dup-b": {email: strings.ToUpper(dup), first: "B", hcl: withHash},
		"long":  {email: long, first: "Long", hcl: fmt.Sprintf("      password = %q", strings.Repeat("x", 73))},
		"ok1":   {email: ok1, first: "One", hcl: fmt.Sprintf("      password = %q", testPassword)},
		"ok2":   {email: ok2, first: "Two", hcl: withHash},
		"ok3":   {email: ok3, first: "Three"},
		"taken": {email: taken, first: "Taken", hcl: withHash},
	}
	distinct := maps.Clone(members)
	distinct["dup-b"] = testMember{email: fixed, first: "B", hcl: withHash}
	fixedMembers := maps.Clone(distinct)
	fixedMembers["long"] = testMember{email: long, first: "Long", hcl: fmt.Sprintf("      password = %q", testPassword)}
	grown := maps.Clone(fixedMembers)
	grown["dup-c"] = testMember{email: ok2, first: "Other"}
	grown["late"] = testMember{email: late, first: "Late", hcl: withHash}
	final := maps.Clone(grown)
	delete(final, "dup-c")
	all := []string{dup, fixed, long, ok1, ok2, ok3, taken, late}

	testAccRun(t, []resource.TestStep{
		{
			Config:      importConfig(members, ""),
			PlanOnly:    true,
			ExpectError: expectError("Duplicate identifier", `Member "dup-b" has "`+dup+`" at /traits/email, as member "dup-a" has`),
		},
		{
			PreConfig: func() {
				if err := checkHeldByNone(t, dup)(nil); err != nil {
					t.Errorf("the refused plan sent a member: %v", err)
				}
			},
			Config:      importConfig(distinct, ""),
			ExpectError: expectError("Unable to Import 1 Member", "long", "at most 72 characters"),
			Check:       nil,
		},
		{
			// What the failed create imported is in Kratos once; the refused member is not.
			Config:             importConfig(distinct, ""),
			PlanOnly:           true,
			ExpectNonEmptyPlan: true,
			Check:              nil,
			PreConfig: func() {
				for _, e := range []string{dup, fixed, ok1, ok2, ok3, taken} {
					if n := len(holdersOfEmail(t, e)); n != 1 {
						t.Errorf("after the failed create, %d identities have %s, want 1", n, e)
					}
				}
				if n := len(holdersOfEmail(t, long)); n != 0 {
					t.Errorf("the member with the long password was created")
				}
			},
		},
		{
			// The create failed, so Terraform replaces the resource: every member is sent again, and those
			// Kratos has are recognised, not duplicated.
			Config: importConfig(fixedMembers, ""),
			ConfigStateChecks: []statecheck.StateCheck{
				idsKeys("dup-a", "dup-b", "long", "ok1", "ok2", "ok3", "taken"),
				statecheck.ExpectKnownValue(importAddr, tfjsonpath.New("ids").AtMapKey("taken"), knownvalue.StringExact(existing.ID)),
			},
			Check: resource.ComposeAggregateTestCheckFunc(checkHeldOnce(t, dup, fixed, long, ok1, ok2, ok3, taken),
				checkImportedID(t, "dup-a", dup), checkImportedID(t, "dup-b", fixed), checkFirstName(t, taken, "Existing"),
				checkLogin(t, long, testPassword, true), checkLogin(t, ok2, testPassword, true)),
		},
		{
			// An update that adds a duplicate of ok2 and a new member: refused at plan time.
			Config:      importConfig(grown, ""),
			PlanOnly:    true,
			ExpectError: expectError("Duplicate identifier", `Member "dup-c" has "`+ok2+`" at /traits/email, as member "ok2" has`),
		},
		{
			Config:            importConfig(final, ""),
			ConfigStateChecks: []statecheck.StateCheck{idsKeys("dup-a", "dup-b", "long", "ok1", "ok2", "ok3", "taken", "late")},
			Check:             resource.ComposeAggregateTestCheckFunc(checkHeldOnce(t, all...), checkImportedID(t, "late", late), checkFirstName(t, ok2, "Two")),
		},
	})
}

// TestAccIdentityImport_onConflictFail refuses a member whose identifier an existing identity
// has, after importing the others; switching to adopt then records that identity.
func TestAccIdentityImport_onConflictFail(t *testing.T) {
	skipWithoutAcc(t)
	taken, ok := uniqueEmail(t, "taken"), uniqueEmail(t, "ok")
	existing := seedIdentity(t, kratosclient.CreateIdentityBody{SchemaID: "default", Traits: json.RawMessage(fmt.Sprintf(`{"email":%q}`, taken))})
	deleteEmailsAtEnd(t, ok)
	members := map[string]testMember{"ok": {email: ok, first: "Ok"}, "taken": {email: taken, first: "Taken"}}
	testAccRun(t, []resource.TestStep{
		{
			Config:      importConfig(members, `  on_conflict = "fail"`),
			ExpectError: expectError("Unable to Import 1 Member", "taken", "identity "+existing.ID+" already has its identifier", `on_conflict is "fail"`),
		},
		{
			// ok was imported by the failed apply; the replacement recognises it, also under fail.
			Config:            importConfig(map[string]testMember{"ok": members["ok"]}, `  on_conflict = "fail"`),
			ConfigStateChecks: []statecheck.StateCheck{idsKeys("ok")},
			Check:             checkHeldOnce(t, ok, taken),
		},
		{
			Config: importConfig(members, ""),
			ConfigStateChecks: []statecheck.StateCheck{
				idsKeys("ok", "taken"),
				statecheck.ExpectKnownValue(importAddr, tfjsonpath.New("ids").AtMapKey("taken"), knownvalue.StringExact(existing.ID)),
			},
			Check: resource.ComposeAggregateTestCheckFunc(checkHeldOnce(t, ok, taken), checkFirstName(t, taken, "")),
		},
	})
}

// TestAccIdentityImport_deleteOnDestroy deletes the identities of removed members one apply later
// (the plan between names them) and, on destroy, those the resource created, but never an adopted
// one.
func TestAccIdentityImport_deleteOnDestroy(t *testing.T) {
	skipWithoutAcc(t)
	a, b, taken := uniqueEmail(t, "a"), uniqueEmail(t, "b"), uniqueEmail(t, "taken")
	existing := seedIdentity(t, kratosclient.CreateIdentityBody{SchemaID: "default", Traits: json.RawMessage(fmt.Sprintf(`{"email":%q}`, taken))})
	deleteEmailsAtEnd(t, a, b)
	members := map[string]testMember{"a": {email: a, first: "A"}, "b": {email: b, first: "B"}, "taken": {email: taken, first: "T"}}
	fewer := maps.Clone(members)
	delete(fewer, "b")
	resource.Test(t, resource.TestCase{
		PreCheck:                 func() { testAccPreCheck(t) },
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		CheckDestroy: func(*terraform.State) error {
			if err := checkHeldByNone(t, a, b)(nil); err != nil {
				return err
			}
			if _, err := testClient(t).GetIdentity(t.Context(), existing.ID); err != nil {
				return fmt.Errorf("the adopted identity was deleted on destroy: %w", err)
			}
			return nil
		},
		Steps: []resource.TestStep{
			{
				Config:            importConfig(members, "  delete_on_destroy = true"),
				ConfigStateChecks: []statecheck.StateCheck{idsKeys("a", "b", "taken")},
				Check:             checkHeldOnce(t, a, b, taken),
			},
			{
				Config:             importConfig(fewer, "  delete_on_destroy = true"),
				ConfigStateChecks:  []statecheck.StateCheck{idsKeys("a", "taken")},
				Check:              resource.ComposeAggregateTestCheckFunc(checkHeldOnce(t, a, b, taken), resource.TestCheckResourceAttrSet(importAddr, "pending_deletion.b")),
				ExpectNonEmptyPlan: true,
			},
			{
				Config: importConfig(fewer, "  delete_on_destroy = true"),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(importAddr, plancheck.ResourceActionUpdate),
				}},
				Check: resource.ComposeAggregateTestCheckFunc(checkHeldByNone(t, b), checkHeldOnce(t, a, taken),
					resource.TestCheckResourceAttr(importAddr, "pending_deletion.%", "0")),
			},
		},
	})
}

// TestAccIdentityImport_lostAnswer loses the answer to the first batch after Kratos has created
// its members: the provider looks them up instead of sending them blindly again, and records
// each once.
func TestAccIdentityImport_lostAnswer(t *testing.T) {
	env := newIdentityEnv(t)
	a, b := uniqueEmail(t, "a"), uniqueEmail(t, "b")
	deleteEmailsAtEnd(t, a, b)
	members := map[string]testMember{"a": {email: a, first: "A"}, "b": {email: b, first: "B"}}
	testAccRun(t, []resource.TestStep{{
		PreConfig: func() {
			env.admin.dropNext(lossAfterKratos, func(r *http.Request) bool {
				return r.Method == http.MethodPatch && r.URL.Path == "/admin/identities"
			})
		},
		Config:            env.config(importConfig(members, "")),
		ConfigStateChecks: []statecheck.StateCheck{idsKeys("a", "b")},
		Check: resource.ComposeAggregateTestCheckFunc(checkHeldOnce(t, a, b), checkImportedID(t, "a", a), checkImportedID(t, "b", b),
			func(*terraform.State) error {
				if env.admin.droppedCount() != 1 {
					return fmt.Errorf("the proxy lost %d answers, want 1", env.admin.droppedCount())
				}
				if n := env.admin.count(http.MethodPatch, "/admin/identities"); n != 1 {
					return fmt.Errorf("%d batch requests, want 1: the members Kratos created must not be sent again; recorded:\n%s", n, env.admin.recorded())
				}
				return nil
			}),
	}})
}

// importSchema returns the resource's schema.
func importSchema(tb testing.TB) fwresource.SchemaResponse {
	tb.Helper()
	var sresp fwresource.SchemaResponse
	newImportResource(nil).Schema(context.Background(), fwresource.SchemaRequest{}, &sresp)
	return sresp
}

// newImportResource returns the resource configured with pd.
func newImportResource(pd *providerData) *identityImportResource {
	return &identityImportResource{data: pd}
}

// memberOf is a member of the default schema with the email and, when hash is not empty, that
// password hash.
func memberOf(email, hash string) importMember {
	return importMember{SchemaID: "default", Traits: json.RawMessage(fmt.Sprintf(`{"email":%q,"tags":["imported"]}`, email)), HashedPassword: hash}
}

// importPlan is the plan of a kratos_identity_import with the members.
func importPlan(tb testing.TB, sresp fwresource.SchemaResponse, members map[string]importMember) tfsdk.Plan {
	tb.Helper()
	ctx := context.Background()
	unknownIDs := map[string]attr.Value{}
	for k := range members {
		unknownIDs[k] = types.StringUnknown()
	}
	plan := tfsdk.Plan{Schema: sresp.Schema, Raw: tftypes.NewValue(sresp.Schema.Type().TerraformType(ctx), nil)}
	model := identityImportModel{
		Identities: importDocument(tb, members), IDs: types.MapValueMust(types.StringType, unknownIDs),
		OnConflict: types.StringValue(onConflictAdopt), DeleteOnDestroy: types.BoolValue(false), Adopted: types.SetUnknown(types.StringType),
		ID: types.StringUnknown(), PendingDeletion: types.MapUnknown(types.StringType),
	}
	if d := plan.Set(ctx, &model); d.HasError() {
		tb.Fatal(d)
	}
	return plan
}

// importDocument is the identities attribute holding the members.
func importDocument(tb testing.TB, members map[string]importMember) types.String {
	tb.Helper()
	var diags diag.Diagnostics
	doc := encodeImportMembers(members, &diags)
	if diags.HasError() {
		tb.Fatal(diags)
	}
	return doc
}

// createImportInProcess runs the resource's Create with plan and returns its response.
func createImportInProcess(pd *providerData, plan tfsdk.Plan) *fwresource.CreateResponse {
	resp := &fwresource.CreateResponse{State: tfsdk.State{Schema: plan.Schema, Raw: tftypes.NewValue(plan.Raw.Type(), nil)}}
	withPrivateState(resp)
	newImportResource(pd).Create(context.Background(), fwresource.CreateRequest{Plan: plan, Config: tfsdk.Config(plan)}, resp)
	return resp
}

// withPrivateState gives the Private field of a framework response an empty private state, as
// the framework does before calling the resource; its type is internal to the framework.
func withPrivateState(resp any) {
	f := reflect.ValueOf(resp).Elem().FieldByName("Private")
	f.Set(reflect.New(f.Type().Elem()))
}

// TestAccIdentityImport_badHash sends a hash Kratos refuses, past the plan-time check that would
// stop it under a CLI (which validates the configuration again at apply): Kratos refuses its whole
// batch, the provider isolates the member, imports the others and records them, with warnings for
// an adopted identity and an address the traits do not produce; an update with the hash fixed
// imports it, without duplicates.
func TestAccIdentityImport_badHash(t *testing.T) {
	skipWithoutAcc(t)
	testAccPreCheck(t)
	setForTest(t, &importChunkLimits, importLimits{members: 4, passwords: 2, bytes: 4 << 20})
	ctx := t.Context()
	client := testClient(t)
	pd := &providerData{client: client, schemas: identityschema.NewCache(client.GetIdentitySchema)}
	sresp := importSchema(t)
	hash := bcryptHash(t, testPassword)
	emails := map[string]string{}
	members := map[string]importMember{}
	for _, k := range []string{"a", "b", "bad", "c", "d", "e"} {
		emails[k] = uniqueEmail(t, k)
		h := hash
		if k == "bad" {
			h = "$unknown$" + strings.Repeat("0", 20)
		}
		members[k] = memberOf(emails[k], h)
	}
	deleteEmailsAtEnd(t, slices.Collect(maps.Values(emails))...)
	// c wants an address verified that its traits do not produce; taken's email is an existing identity's.
	members["c"] = memberOf(emails["c"], hash)
	members["c"] = importMember{SchemaID: "default", Traits: members["c"].Traits, HashedPassword: hash, VerifiedAddresses: []string{"elsewhere@example.test"}}
	taken := uniqueEmail(t, "taken")
	existing := seedIdentity(t, kratosclient.CreateIdentityBody{SchemaID: "default", Traits: json.RawMessage(fmt.Sprintf(`{"email":%q}`, taken))})
	members["taken"] = memberOf(taken, hash)

	created := createImportInProcess(pd, importPlan(t, sresp, members))
	state, diags := created.State, created.Diagnostics
	if len(diags.Errors()) != 1 || diags.Errors()[0].Summary() != "Unable to Import 1 Member" || !strings.Contains(fmt.Sprint(diags), "- bad: Kratos answered HTTP 400 Bad Request: The imported password does not match any known hash format") {
		t.Fatalf("diagnostics = %v, want one error naming bad and Kratos's reason", diags)
	}
	warnings := map[string]string{}
	for _, w := range diags.Warnings() {
		warnings[w.Summary()] = w.Detail()
	}
	if w := warnings["Existing Identities Adopted"]; !strings.Contains(w, fmt.Sprintf("- taken: identity %s, which has %q", existing.ID, taken)) {
		t.Errorf("adoption warning = %q, want it to name taken and identity %s", w, existing.ID)
	}
	if w := warnings["Addresses Not Verified"]; !strings.Contains(w, `- c: `+"`elsewhere@example.test`") {
		t.Errorf("unverified-address warning = %q, want it to name c and the address", w)
	}
	if strings.Contains(fmt.Sprint(diags), "$unknown$") {
		t.Errorf("the diagnostics show the hash: %v", diags)
	}
	var got identityImportModel
	if d := state.Get(ctx, &got); d.HasError() {
		t.Fatal(d)
	}
	ids := memberIDs(got.IDs)
	if len(ids) != 6 || slices.Contains(slices.Collect(maps.Values(ids)), "bad") || len(membersOf(got.Identities, &diags)) != 6 || ids[existing.ID] != "taken" {
		t.Fatalf("state after the partial failure: ids %v and %d members, want the 6 members other than bad, taken adopted", got.IDs, len(membersOf(got.Identities, &diags)))
	}
	for key, email := range emails {
		if n := len(holdersOfEmail(t, email)); (key == "bad") != (n == 0) || n > 1 {
			t.Errorf("%d identities have %s (member %s)", n, email, key)
		}
	}

	// The next apply: an update whose plan holds every member, the bad one fixed.
	members["bad"] = memberOf(emails["bad"], hash)
	plan := importPlan(t, sresp, members)
	resp := fwresource.UpdateResponse{State: tfsdk.State{Schema: sresp.Schema, Raw: plan.Raw}}
	withPrivateState(&resp)
	newImportResource(pd).Update(ctx, fwresource.UpdateRequest{Plan: plan, State: state, Config: tfsdk.Config(plan), Private: created.Private}, &resp)
	if resp.Diagnostics.HasError() {
		t.Fatalf("update: %v", resp.Diagnostics)
	}
	if d := resp.State.Get(ctx, &got); d.HasError() {
		t.Fatal(d)
	}
	if len(got.IDs.Elements()) != 7 {
		t.Errorf("ids after the update = %v, want all 7 members", got.IDs)
	}
	for key, email := range emails {
		if n := len(holdersOfEmail(t, email)); n != 1 {
			t.Errorf("%d identities have %s (member %s), want 1", n, email, key)
		}
	}
	if err := checkLogin(t, emails["bad"], testPassword, true)(nil); err != nil {
		t.Error(err)
	}
}

// TestIdentityImportModifyPlan plans ids and warns: an imported member keeps its ID, a new one
// gets an unknown ID, one deleted in Kratos stays absent; a changed member, a removed one and the
// one deleted in Kratos are named in warnings.
func TestIdentityImportModifyPlan(t *testing.T) {
	ctx := t.Context()
	sresp := importSchema(t)
	obj := func(email string) importMember { return memberOf(email, "") }
	prior := identityImportModel{
		Identities: importDocument(t, map[string]importMember{"kept": obj("k@x.test"), "changed": obj("c@x.test"), "gone": obj("g@x.test"), "removed": obj("r@x.test")}),
		IDs: types.MapValueMust(types.StringType, map[string]attr.Value{
			"kept": types.StringValue("id-kept"), "changed": types.StringValue("id-changed"), "removed": types.StringValue("id-removed"),
		}),
		OnConflict: types.StringValue(onConflictAdopt), DeleteOnDestroy: types.BoolValue(false), Adopted: types.SetNull(types.StringType),
		ID: types.StringValue("self"), PendingDeletion: types.MapValueMust(types.StringType, nil),
	}
	state := tfsdk.State{Schema: sresp.Schema, Raw: tftypes.NewValue(sresp.Schema.Type().TerraformType(ctx), nil)}
	if d := state.Set(ctx, &prior); d.HasError() {
		t.Fatal(d)
	}
	plan := importPlan(t, sresp, map[string]importMember{"kept": obj("k@x.test"), "changed": obj("c2@x.test"), "gone": obj("g@x.test"), "new": obj("n@x.test")})
	resp := fwresource.ModifyPlanResponse{Plan: plan}
	newImportResource(nil).ModifyPlan(ctx, fwresource.ModifyPlanRequest{Plan: plan, State: state, Config: tfsdk.Config(plan)}, &resp)
	if resp.Diagnostics.HasError() {
		t.Fatal(resp.Diagnostics)
	}
	var ids types.Map
	resp.Plan.GetAttribute(ctx, path.Root("ids"), &ids)
	want := types.MapValueMust(types.StringType, map[string]attr.Value{
		"kept": types.StringValue("id-kept"), "changed": types.StringValue("id-changed"), "new": types.StringUnknown(),
	})
	if !ids.Equal(want) {
		t.Errorf("planned ids = %v, want %v", ids, want)
	}
	var summaries []string
	for _, d := range resp.Diagnostics.Warnings() {
		summaries = append(summaries, d.Summary()+": "+d.Detail())
	}
	text := strings.Join(summaries, "\n")
	if !strings.Contains(text, "Changes to Imported Members Are Not Sent: 1 member changed after being imported: changed.") ||
		!strings.Contains(text, "Removed Members Stay in Kratos: 1 member removed from identities: removed.") ||
		!strings.Contains(text, "Imported Identities Deleted in Kratos: 1 member is no longer in Kratos: gone.") || len(summaries) != 3 {
		t.Errorf("warnings:\n%s\nwant one naming the changed member, one the removed member and one the member deleted in Kratos", text)
	}
}

// TestImportChunks splits members by count, cleartext passwords and bytes.
func TestImportChunks(t *testing.T) {
	item := func(key string, cleartext bool, size int) importItem {
		it := importItem{key: key, size: size}
		if cleartext {
			it.body.Credentials = &kratosclient.CredentialsImport{Password: &kratosclient.PasswordImport{Config: kratosclient.PasswordImportConfig{Password: "x"}}}
		}
		return it
	}
	items := []importItem{item("a", true, 10), item("b", true, 10), item("c", false, 10), item("d", true, 10), item("e", false, 100), item("f", false, 10)}
	var got []string
	for _, c := range importChunks(items, importLimits{members: 3, passwords: 2, bytes: 100}) {
		var keys []string
		for _, it := range c {
			keys = append(keys, it.key)
		}
		got = append(got, strings.Join(keys, ""))
	}
	// d would be the third password of its chunk, e alone fills 100 bytes.
	if want := []string{"abc", "d", "e", "f"}; !slices.Equal(got, want) {
		t.Errorf("chunks = %v, want %v", got, want)
	}
}

// BenchmarkIdentityImport10k imports 10,000 identities with bcrypt hashes into a real Kratos of
// its own (on SQLite, then on PostgreSQL) through the resource's Create, in process, and in the
// same iteration sends the same 10,000 (other emails) as raw batch requests of 1000, as a client
// of the API alone would. It
// reports the time of both (import-ns/op, raw-ns/op) and their ratio (import/raw), the provider's
// peak heap during the import, and the requests and time of a refresh of the 10,000.
//
//	go test ./internal/provider -run '^$' -bench IdentityImport10k -benchtime 1x
func BenchmarkIdentityImport10k(b *testing.B) {
	forEachBackend(b, benchImport10k)
}

// benchImport10k is BenchmarkIdentityImport10k on one Kratos.
func benchImport10k(b *testing.B, inst *kratostest.Instance) {
	const n = 10000
	counter := &requestCounter{}
	client := instanceClient(b, inst, counter)
	pd := &providerData{client: client, schemas: identityschema.NewCache(client.GetIdentitySchema)}
	ctx := context.Background()
	sresp := importSchema(b)
	hashes := make([]string, 32)
	for i := range hashes {
		hashes[i] = bcryptHash(b, fmt.Sprintf("password-%d", i))
	}

	var importTime, rawTime, refreshTime time.Duration
	var peak uint64
	refreshRequests := 0
	round := 0
	for b.Loop() {
		round++
		b.StopTimer()
		members := make(map[string]importMember, n)
		raw := make([]kratosclient.IdentityPatch, n)
		for i := range n {
			members[fmt.Sprintf("user-%05d", i)] = memberOf(fmt.Sprintf("imp%d-%05d@example.test", round, i), hashes[i%len(hashes)])
			raw[i] = kratosclient.IdentityPatch{Create: &kratosclient.CreateIdentityBody{
				SchemaID: "default", Traits: json.RawMessage(fmt.Sprintf(`{"email":"raw%d-%05d@example.test","tags":["imported"]}`, round, i)),
				Credentials: &kratosclient.CredentialsImport{Password: &kratosclient.PasswordImport{Config: kratosclient.PasswordImportConfig{HashedPassword: hashes[i%len(hashes)]}}},
			}}
		}
		plan := importPlan(b, sresp, members)
		runtime.GC()
		b.StartTimer()

		// The raw batches are sent half before and half after the import, so that a change in the
		// load of the machine weighs on both alike.
		rawTime += sendRawBatches(b, client, raw[:n/2])
		stop := heappeak.Sample()
		start := time.Now()
		created := createImportInProcess(pd, plan)
		importTime += time.Since(start)
		peak = max(peak, stop())
		if created.Diagnostics.HasError() {
			b.Fatalf("import: %v", created.Diagnostics)
		}
		rawTime += sendRawBatches(b, client, raw[n/2:])

		r := newImportResource(pd)
		before := counter.count()
		start = time.Now()
		read := fwresource.ReadResponse{State: created.State}
		r.Read(ctx, fwresource.ReadRequest{State: created.State}, &read)
		refreshTime += time.Since(start)
		refreshRequests = counter.count() - before
		var ids types.Map
		read.State.GetAttribute(ctx, path.Root("ids"), &ids)
		if read.Diagnostics.HasError() || len(ids.Elements()) != n {
			b.Fatalf("refresh kept %d of %d members: %v", len(ids.Elements()), n, read.Diagnostics)
		}
	}
	b.ReportMetric(float64(importTime.Nanoseconds())/float64(round), "import-ns/op")
	b.ReportMetric(float64(rawTime.Nanoseconds())/float64(round), "raw-ns/op")
	b.ReportMetric(float64(importTime)/float64(rawTime), "import/raw")
	b.ReportMetric(float64(peak)/(1<<20), "peak-heap-MiB")
	b.ReportMetric(float64(refreshRequests), "refresh-requests")
	b.ReportMetric(float64(refreshTime.Nanoseconds())/float64(round), "refresh-ns/op")
}

// sendRawBatches creates items with batch requests of importChunkLimits.members and returns the time it took.
func sendRawBatches(b *testing.B, client *kratosclient.Client, items []kratosclient.IdentityPatch) time.Duration {
	b.Helper()
	start := time.Now()
	for from := 0; from < len(items); from += importChunkLimits.members {
		res, err := client.BatchPatchIdentities(context.Background(), items[from:min(from+importChunkLimits.members, len(items))])
		if err != nil {
			b.Fatal(err)
		}
		for _, r := range res.Identities {
			if r == nil || r.Action != "create" {
				b.Fatalf("raw batch item not created: %+v", r)
			}
		}
	}
	return time.Since(start)
}

// TestAccIdentityImport_planTimeChecks refuses before anything is sent, naming the member: both a
// password and a hash, a malformed or empty hash (also when the hash is known only at apply: the
// CLI validates the configuration again then), an identity schema Kratos does not have, traits
// the schema refuses, a blank login identifier, and an identifier two members share.
func TestAccIdentityImport_planTimeChecks(t *testing.T) {
	skipWithoutAcc(t)
	good, bad := uniqueEmail(t, "good"), uniqueEmail(t, "bad")
	deleteEmailsAtEnd(t, good, bad)
	config := func(badHash string) string {
		return fmt.Sprintf(`
resource "terraform_data" "hash" {
  input = "$2a$10$cut-short"
}

resource "kratos_identity_import" "users" {
  identities = jsonencode({
    good = { schema_id = "default", traits = jsonencode({ email = %q }), hashed_password = %q }
    bad  = { schema_id = "default", traits = jsonencode({ email = %q }), hashed_password = %s }
  })
}
`, good, bcryptHash(t, testPassword), bad, badHash)
	}
	testAccRun(t, []resource.TestStep{
		{
			Config: fmt.Sprintf(`
resource "kratos_identity_import" "users" {
  identities = jsonencode({
    both = { schema_id = "default", traits = jsonencode({ email = %q }), password = "a-password-1", hashed_password = %q }
  })
}
`, good, bcryptHash(t, testPassword)),
			PlanOnly:    true,
			ExpectError: expectError("Conflicting passwords", `Member "both": it sets both password and hashed_password`),
		},
		{
			Config:      config(`"$2a$10$cut-short"`),
			PlanOnly:    true,
			ExpectError: expectError("Malformed password hash", `Member "bad": The hash has the $2a$ (bcrypt) prefix, but it has 16 characters instead of 60`),
		},
		{
			Config:      config(`""`),
			PlanOnly:    true,
			ExpectError: expectError("Empty password hash", `Member "bad": hashed_password is empty`),
		},
		{
			Config: fmt.Sprintf(`
resource "kratos_identity_import" "users" {
  identities = jsonencode({
    a = { schema_id = "nope", traits = jsonencode({ email = %q }) }
    b = { schema_id = "default", traits = jsonencode({ email = %q, age = 3 }) }
    c = { schema_id = "default", traits = jsonencode({ email = %q, username = "  " }) }
    d = { schema_id = "default", traits = jsonencode({ email = %q, username = "Shared" }) }
    e = { schema_id = "default", traits = jsonencode({ email = %q, username = "shared" }) }
  })
}
`, good, bad, emailAt("c", "example.test"), emailAt("d", "example.test"), emailAt("e", "example.test")),
			PlanOnly: true,
			ExpectError: expectError(`Unknown identity schema`, `Member "a": Kratos has no identity schema "nope". Set schema_id to one of the IDs Kratos has, `+"`default`",
				`Traits do not match the identity schema`, `Member "b", identity schema "default": at /traits: additional properties 'age' not allowed`,
				`Blank login identifier`, `Member "c": the identity schema makes the value at /traits/username a login identifier`,
				`Duplicate identifier`, `Member "e" has "shared" at /traits/username, as member "d" has`),
		},
		{
			Config:      config("terraform_data.hash.output"),
			ExpectError: expectError("Malformed password hash", `Member "bad"`),
			Check:       nil,
		},
		{
			PreConfig: func() {
				if err := checkHeldByNone(t, good, bad)(nil); err != nil {
					t.Errorf("a member was sent although the configuration is invalid: %v", err)
				}
			},
			Config: config(fmt.Sprintf("%q", bcryptHash(t, testPassword))),
			Check:  checkHeldOnce(t, good, bad),
		},
	})
}
