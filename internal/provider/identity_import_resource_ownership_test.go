package provider

import (
	"encoding/json"
	"fmt"
	"maps"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/kratos-tf/terraform-provider-kratos/internal/kratosclient"
)

// TestAccIdentityImport_ownership proves, with delete_on_destroy false and true, that nothing
// deletes an adopted identity and that no replacement re-creates a created one: a first apply
// that fails part-way, its fix (Terraform replaces the tainted resource), a terraform taint and
// apply, and the destroy.
func TestAccIdentityImport_ownership(t *testing.T) {
	for _, deleteOnDestroy := range []bool{false, true} {
		t.Run(fmt.Sprintf("delete_on_destroy=%t", deleteOnDestroy), func(t *testing.T) {
			testImportOwnership(t, deleteOnDestroy)
		})
	}
}

// testImportOwnership runs TestAccIdentityImport_ownership with one delete_on_destroy.
func testImportOwnership(t *testing.T, deleteOnDestroy bool) {
	skipWithoutAcc(t)
	a, taken, long := uniqueEmail(t, "a"), uniqueEmail(t, "taken"), uniqueEmail(t, "long")
	existing := seedIdentity(t, kratosclient.CreateIdentityBody{SchemaID: "default", Traits: json.RawMessage(fmt.Sprintf(`{"email":%q}`, taken))})
	deleteEmailsAtEnd(t, a, long)
	attrs := fmt.Sprintf("  delete_on_destroy = %t", deleteOnDestroy)
	withHash := fmt.Sprintf("      hashed_password = %q", bcryptHash(t, testPassword))
	failing := map[string]testMember{
		"a":     {email: a, first: "A", hcl: withHash},
		"long":  {email: long, first: "Long", hcl: fmt.Sprintf("      password = %q", strings.Repeat("x", 73))},
		"taken": {email: taken, first: "Taken", hcl: withHash},
	}
	fixed := map[string]testMember{"a": failing["a"], "taken": failing["taken"], "long": {email: long, first: "Long", hcl: withHash}}
	ids := map[string]string{}
	adoptedKept := resource.ComposeAggregateTestCheckFunc(checkFirstName(t, taken, ""), checkIdentityExists(t, existing.ID))
	ownership := []statecheck.StateCheck{
		idsKeys("a", "long", "taken"),
		statecheck.ExpectKnownValue(importAddr, tfjsonpath.New("ids").AtMapKey("taken"), knownvalue.StringExact(existing.ID)),
		statecheck.ExpectKnownValue(importAddr, tfjsonpath.New("adopted"), knownvalue.SetExact([]knownvalue.Check{knownvalue.StringExact("taken")})),
	}
	var gone []string
	if deleteOnDestroy {
		gone = []string{a, long}
	}
	resource.Test(t, resource.TestCase{
		PreCheck:                 func() { testAccPreCheck(t) },
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		CheckDestroy: func(*terraform.State) error {
			if err := checkIdentityExists(t, existing.ID)(nil); err != nil {
				return fmt.Errorf("destroy deleted the adopted identity: %w", err)
			}
			if !deleteOnDestroy {
				return checkIDsKept(t, ids, a, long)(nil)
			}
			return checkHeldByNone(t, gone...)(nil)
		},
		Steps: []resource.TestStep{
			{
				Config:      importConfig(failing, attrs),
				ExpectError: expectError("Unable to Import 1 Member", "long", "at most 72 characters"),
			},
			{
				// The failed create left a tainted resource: Terraform replaces it, and the
				// replacement keeps the identity it created and the one it adopted.
				PreConfig:         func() { rememberIDs(t, ids, a) },
				Config:            importConfig(fixed, attrs),
				ConfigStateChecks: ownership,
				Check:             resource.ComposeAggregateTestCheckFunc(adoptedKept, checkIDsKept(t, ids, a), checkHeldOnce(t, a, long), rememberIDsCheck(t, ids, long)),
			},
			{
				Taint:             []string{importAddr},
				Config:            importConfig(fixed, attrs),
				ConfigStateChecks: ownership,
				Check:             resource.ComposeAggregateTestCheckFunc(adoptedKept, checkIDsKept(t, ids, a, long), checkLogin(t, a, testPassword, true)),
			},
		},
	})
}

// checkIdentityExists checks with the real client that the identity id is still in Kratos.
func checkIdentityExists(t *testing.T, id string) resource.TestCheckFunc {
	return func(*terraform.State) error {
		if _, err := testClient(t).GetIdentity(t.Context(), id); err != nil {
			return fmt.Errorf("identity %s: %w", id, err)
		}
		return nil
	}
}

// rememberIDs records in ids the ID of the one identity with each email.
func rememberIDs(t *testing.T, ids map[string]string, emails ...string) {
	t.Helper()
	for _, e := range emails {
		found := holdersOfEmail(t, e)
		if len(found) != 1 {
			t.Fatalf("%d identities have %s, want 1", len(found), e)
		}
		ids[e] = found[0].ID
	}
}

// rememberIDsCheck is rememberIDs as a check of a test step.
func rememberIDsCheck(t *testing.T, ids map[string]string, emails ...string) resource.TestCheckFunc {
	return func(*terraform.State) error {
		rememberIDs(t, ids, emails...)
		return nil
	}
}

// checkIDsKept checks that the one identity with each email is the one rememberIDs recorded.
func checkIDsKept(t *testing.T, ids map[string]string, emails ...string) resource.TestCheckFunc {
	return func(*terraform.State) error {
		for _, e := range emails {
			found := holdersOfEmail(t, e)
			if len(found) != 1 || found[0].ID != ids[e] {
				return fmt.Errorf("%s: identities %v, want exactly the one recorded before, %s (deleted and re-created?)", e, identityIDs(found), ids[e])
			}
		}
		return nil
	}
}

// TestAccIdentityImport_createBeforeDestroy replaces an import with create_before_destroy and
// delete_on_destroy: the new object records every member under the same ID and claims it, so the
// destroy of the old object deletes nothing; a terraform destroy then deletes them all.
func TestAccIdentityImport_createBeforeDestroy(t *testing.T) {
	skipWithoutAcc(t)
	a, b := uniqueEmail(t, "cbd-a"), uniqueEmail(t, "cbd-b")
	deleteEmailsAtEnd(t, a, b)
	members := map[string]testMember{"a": {email: a, first: "A"}, "b": {email: b, first: "B"}}
	config := importConfig(members, "  delete_on_destroy = true\n  lifecycle {\n    create_before_destroy = true\n  }")
	ids := map[string]string{}
	resource.Test(t, resource.TestCase{
		PreCheck:                 func() { testAccPreCheck(t) },
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		CheckDestroy:             checkHeldByNone(t, a, b),
		Steps: []resource.TestStep{
			{
				Config: config,
				Check: resource.ComposeAggregateTestCheckFunc(checkHeldOnce(t, a, b), func(s *terraform.State) error {
					got, err := importedIDs(s)
					maps.Copy(ids, got)
					return err
				}),
			},
			{
				Config: config,
				Taint:  []string{importAddr},
				Check: resource.ComposeAggregateTestCheckFunc(checkHeldOnce(t, a, b), func(s *terraform.State) error {
					got, err := importedIDs(s)
					if err == nil && !maps.Equal(got, ids) {
						err = fmt.Errorf("after the replacement ids = %v, want the same IDs %v", got, ids)
					}
					return err
				}),
			},
		},
	})
}
