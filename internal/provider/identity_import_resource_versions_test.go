package provider

import (
	"encoding/json"
	"fmt"
	"net/http"
	"testing"

	fwresource "github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/tfsdk"
	"github.com/hashicorp/terraform-plugin-go/tftypes"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"

	"github.com/kratos-tf/terraform-provider-kratos/internal/identityschema"
	"github.com/kratos-tf/terraform-provider-kratos/internal/kratosclient"
	"github.com/kratos-tf/terraform-provider-kratos/internal/kratostest"
)

// emailTraits are the traits of the default schema with email and a first name.
func emailTraits(email, first string) json.RawMessage {
	return json.RawMessage(fmt.Sprintf(`{"email":%q,"name":{"first":%q}}`, email, first))
}

// TestAccIdentityImport_batchWithConflict proves each version's own behaviour when one item of a
// batch conflicts, first through the client alone, then through the resource. Kratos v1.3.1
// reports the other items created but rolls them back; v26.2.0 commits them. The import ends the
// same on both: the others created exactly once (on v1.3.1 by a second batch request, on v26.2.0
// by the first), the conflicting member refused by name under on_conflict = "fail"; the
// replacement that follows recognises every member with its first ID and adopts the other identity.
func TestAccIdentityImport_batchWithConflict(t *testing.T) {
	env := newIdentityEnv(t)
	rollsBack := kratostest.Version() == kratostest.V1
	taken := uniqueEmail(t, "taken")
	existing := seedIdentity(t, kratosclient.CreateIdentityBody{SchemaID: "default", Traits: emailTraits(taken, "Existing")})

	// The raw endpoint: [x, taken, y] answers 200 with x and y reported created.
	x, y := uniqueEmail(t, "raw-x"), uniqueEmail(t, "raw-y")
	deleteEmailsAtEnd(t, x, y)
	batch := []kratosclient.IdentityPatch{}
	for _, e := range []string{x, taken, y} {
		batch = append(batch, kratosclient.IdentityPatch{Create: &kratosclient.CreateIdentityBody{SchemaID: "default", Traits: emailTraits(e, "Raw")}})
	}
	res, err := testClient(t).BatchPatchIdentities(t.Context(), batch)
	if err != nil {
		t.Fatal(err)
	}
	if r := res.Identities[1]; r == nil || r.Error == nil || r.Error.Code != http.StatusConflict {
		t.Fatalf("the conflicting item's result = %+v, want a 409", r)
	}
	for _, i := range []int{0, 2} {
		r := res.Identities[i]
		if r == nil || r.Identity == "" {
			t.Fatalf("item %d's result = %+v, want it reported created", i, r)
		}
		_, err := testClient(t).GetIdentity(t.Context(), r.Identity)
		switch {
		case rollsBack && !kratosclient.IsNotFound(err):
			t.Errorf("Kratos %s kept item %d although another item conflicted (GET: %v); the rollback the import verifies is gone", kratostest.Version(), i, err)
		case !rollsBack && err != nil:
			t.Errorf("Kratos %s did not keep item %d, which it reported created: %v", kratostest.Version(), i, err)
		}
	}

	a, b, c := uniqueEmail(t, "a"), uniqueEmail(t, "b"), uniqueEmail(t, "c")
	deleteEmailsAtEnd(t, a, b, c)
	members := map[string]testMember{"a": {email: a, first: "A"}, "b": {email: b, first: "B"}, "c": {email: c, first: "C"}, "taken": {email: taken, first: "Taken"}}
	wantBatches := map[bool]int{true: 2, false: 1}[rollsBack]
	var firstIDs map[string]string
	testAccRun(t, []resource.TestStep{
		{
			Config:      env.config(importConfig(members, `  on_conflict = "fail"`)),
			ExpectError: expectError("Unable to Import 1 Member", "taken", "identity "+existing.ID+" already has its identifier", `on_conflict is "fail"`),
		},
		{
			// What the failed apply did, in Kratos and in the state it kept.
			PreConfig: func() {
				if n := env.admin.count(http.MethodPatch, "/admin/identities"); n != wantBatches {
					t.Errorf("Kratos %s: %d batch requests, want %d; recorded:\n%s", kratostest.Version(), n, wantBatches, env.admin.recorded())
				}
				if err := checkHeldOnce(t, a, b, c, taken)(nil); err != nil {
					t.Error(err)
				}
				env.reset()
			},
			Config:             env.config(importConfig(members, `  on_conflict = "fail"`)),
			PlanOnly:           true,
			ExpectNonEmptyPlan: true,
			Check:              nil,
		},
		{
			// The failed create tainted the resource: its replacement sends every member again, and
			// each is recognised (same traits), taken adopted; nothing is created twice.
			Config:           env.config(importConfig(members, "")),
			ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{plancheck.ExpectResourceAction(importAddr, plancheck.ResourceActionReplace)}},
			Check: resource.ComposeAggregateTestCheckFunc(
				checkHeldOnce(t, a, b, c, taken),
				checkImportedID(t, "a", a), checkImportedID(t, "b", b), checkImportedID(t, "c", c),
				resource.TestCheckResourceAttr(importAddr, "ids.taken", existing.ID),
				func(s *terraform.State) (err error) {
					firstIDs, err = importedIDs(s)
					return err
				},
			),
		},
		{
			Config:           env.config(importConfig(members, "")),
			ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()}},
			Check: func(s *terraform.State) error {
				ids, err := importedIDs(s)
				if err != nil || fmt.Sprint(ids) != fmt.Sprint(firstIDs) {
					return fmt.Errorf("ids = %v (%v), want %v", ids, err, firstIDs)
				}
				return nil
			},
		},
	})
}

// TestAccIdentityImport_externalID runs on both versions: external_id is sent, stored (Kratos's
// own on v26.2.0, in metadata_admin on v1.3.1), and recognises the member: when the resource is
// created again after the user changed their email (no identifier would find them), and when the
// answer to a batch is lost. On both, two members with one external ID are refused at plan time;
// on v1.3.1 so is a member whose metadata_admin cannot hold it, and a configuration without one
// never reads the version.
func TestAccIdentityImport_externalID(t *testing.T) {
	env := newIdentityEnv(t)
	a, b, c, changed, plain := uniqueEmail(t, "a"), uniqueEmail(t, "b"), uniqueEmail(t, "c"), uniqueEmail(t, "changed"), uniqueEmail(t, "plain")
	deleteEmailsAtEnd(t, a, b, c, changed, plain)
	ext := func(key string) string { return "legacy-" + key + "-" + a }
	withExt := func(keys ...string) map[string]testMember {
		m := map[string]testMember{}
		for _, k := range keys {
			email := map[string]string{"a": a, "b": b, "c": c}[k]
			m[k] = testMember{email: email, first: k, hcl: fmt.Sprintf("      external_id = %q", ext(k))}
		}
		return m
	}
	duplicate := withExt("a", "b")
	duplicate["b"] = testMember{email: b, first: "b", hcl: fmt.Sprintf("      external_id = %q", ext("a"))}
	steps := []resource.TestStep{{
		Config:      env.config(importConfig(duplicate, "")),
		PlanOnly:    true,
		ExpectError: expectError("Duplicate external ID", `Member "b" has external_id "`+ext("a")+`", as member "a" has`),
	}}
	v1 := kratostest.Version() == kratostest.V1
	if v1 {
		listMetadata := withExt("a")
		listMetadata["a"] = testMember{email: a, first: "a", hcl: listMetadata["a"].hcl + "\n      metadata_admin = jsonencode([1])"}
		steps = append(steps,
			resource.TestStep{
				Config:      env.config(importConfig(listMetadata, "")),
				PlanOnly:    true,
				ExpectError: expectError("Admin metadata cannot hold the external ID", `Member "a" sets external_id`, "metadata_admin is not a JSON object"),
			},
			resource.TestStep{
				// No member sets external_id: the version is never read.
				PreConfig: env.reset,
				Config:    env.config(importConfig(map[string]testMember{"plain": {email: plain, first: "plain"}}, "")),
				Check: resource.ComposeAggregateTestCheckFunc(checkImportedID(t, "plain", plain),
					env.expectRequests(map[string]int{"GET /admin/version": 0})),
			},
			resource.TestStep{Config: env.config("")},
		)
	}
	// How a member is looked up by its external ID: Kratos's own lookup, or one walk over the
	// identities on v1.3.1.
	lookups := func(n int) map[string]int {
		if v1 {
			return map[string]int{"GET /admin/identities/by/external/": 0}
		}
		return map[string]int{"GET /admin/identities/by/external/": n}
	}
	var idA string
	checkExternalID := func(key, email string) resource.TestCheckFunc {
		return func(s *terraform.State) error {
			holders := holdersOfEmail(t, email)
			if len(holders) != 1 {
				return fmt.Errorf("%d identities have %s, want 1", len(holders), email)
			}
			found := &holders[0]
			if !v1 {
				var err error
				if found, err = testClient(t).GetIdentityByExternalID(t.Context(), ext(key)); err != nil {
					return fmt.Errorf("identity with external ID %s: %w", ext(key), err)
				}
			}
			stored := markerOf(found.MetadataAdmin).ExternalID
			if !v1 && found.ExternalID != nil {
				stored = *found.ExternalID
			}
			if stored != ext(key) {
				return fmt.Errorf("identity %s has external ID %q, want %s", found.ID, stored, ext(key))
			}
			return resource.ComposeAggregateTestCheckFunc(checkImportedID(t, key, email), resource.TestCheckResourceAttr(importAddr, "ids."+key, found.ID))(s)
		}
	}
	steps = append(steps,
		resource.TestStep{
			Config: env.config(importConfig(withExt("a", "b"), "")),
			Check: resource.ComposeAggregateTestCheckFunc(checkExternalID("a", a), checkExternalID("b", b),
				func(s *terraform.State) error {
					ids, err := importedIDs(s)
					idA = ids["a"]
					return err
				}),
		},
		resource.TestStep{
			// The resource goes; its identities stay.
			Config: env.config(""),
		},
		resource.TestStep{
			// a changes her email, and the resource is created again: her old email is free, yet she
			// is recognised by her external ID, not created twice.
			PreConfig: func() {
				if _, err := testClient(t).PatchIdentity(t.Context(), idA, []kratosclient.PatchOp{{Op: "replace", Path: "/traits/email", Value: json.RawMessage(fmt.Sprintf("%q", changed))}}); err != nil {
					t.Fatal(err)
				}
				env.reset()
			},
			Config: env.config(importConfig(withExt("a", "b"), "")),
			Check: resource.ComposeAggregateTestCheckFunc(
				resource.TestCheckResourceAttrPtr(importAddr, "ids.a", &idA), checkHeldByNone(t, a), checkHeldOnce(t, changed, b),
				checkExternalID("b", b),
				env.expectRequests(lookups(2)),
			),
		},
		resource.TestStep{
			// The answer to the batch that creates c is lost after Kratos created her: she is found by
			// her external ID, and not sent again.
			PreConfig: func() {
				env.reset()
				env.admin.dropNext(lossAfterKratos, func(r *http.Request) bool {
					return r.Method == http.MethodPatch && r.URL.Path == "/admin/identities"
				})
			},
			Config: env.config(importConfig(withExt("a", "b", "c"), "")),
			Check: resource.ComposeAggregateTestCheckFunc(
				checkExternalID("c", c), checkHeldOnce(t, c),
				env.expectRequests(lookups(1)), env.expectRequests(map[string]int{"PATCH /admin/identities": 1}),
			),
		},
	)
	testAccRun(t, steps)
}

// TestAccIdentityImport_externalIDPlanInProcess plans, in process, members with external IDs
// against the test Kratos: the plan is accepted on both versions, except, on v1.3.1, for members
// whose metadata_admin is not an object and so cannot hold the external ID (up to
// importNamedMembers get an error on their metadata_admin; the members without an external ID are
// not concerned).
func TestAccIdentityImport_externalIDPlanInProcess(t *testing.T) {
	testAccPreCheck(t)
	client := testClient(t)
	pd := &providerData{client: client, schemas: identityschema.NewCache(client.GetIdentitySchema)}
	sresp := importSchema(t)
	members := map[string]importMember{}
	for i := range 3 {
		key := fmt.Sprintf("m%d", i)
		members[key] = memberOf(key+"@example.test", "")
		members[key] = importMember{SchemaID: "default", Traits: members[key].Traits, ExternalID: "ext-" + key}
	}
	list := json.RawMessage("[1]")
	members["listed"] = importMember{SchemaID: "default", Traits: memberOf("listed@example.test", "").Traits, ExternalID: "ext-listed", MetadataAdmin: list}
	members["plain"] = importMember{SchemaID: "default", Traits: memberOf("plain@example.test", "").Traits, MetadataAdmin: list}
	plan := importPlan(t, sresp, members)
	resp := fwresource.ModifyPlanResponse{Plan: plan}
	withPrivateState(&resp)
	newImportResource(pd).ModifyPlan(t.Context(), fwresource.ModifyPlanRequest{Plan: plan, State: tfsdk.State{Schema: sresp.Schema, Raw: tftypes.NewValue(sresp.Schema.Type().TerraformType(t.Context()), nil)}, Config: tfsdk.Config(plan)}, &resp)

	if kratostest.Version() != kratostest.V1 {
		if resp.Diagnostics.HasError() {
			t.Fatalf("Kratos %s has external IDs, but the plan failed: %v", kratostest.Version(), resp.Diagnostics)
		}
		return
	}
	if !hasAttributeError(resp.Diagnostics, `identities`, "Admin metadata cannot hold the external ID") || len(resp.Diagnostics.Errors()) != 1 {
		t.Errorf("want one error, on the metadata_admin of the member with an external ID; got %v", resp.Diagnostics)
	}
}
