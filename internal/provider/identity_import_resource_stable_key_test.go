package provider

import (
	"fmt"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
)

// stableMember is a member of TestAccIdentityImport_stableKeys: its key, the resource it is in,
// its email and its external ID.
type stableMember struct {
	key, group, email, externalID string
}

// stableKeysConfig renders the imports a and b (both with delete_on_destroy) holding members.
func stableKeysConfig(members []stableMember, hash string) string {
	var b strings.Builder
	for _, group := range []string{"a", "b"} {
		fmt.Fprintf(&b, "resource \"kratos_identity_import\" %q {\n  delete_on_destroy = true\n  identities = jsonencode({\n", group)
		for _, m := range members {
			if m.group == group {
				fmt.Fprintf(&b, "    %q = { schema_id = \"default\", traits = jsonencode({ email = %q }), external_id = %q, hashed_password = %q }\n",
					m.key, m.email, m.externalID, hash)
			}
		}
		b.WriteString("  })\n}\n")
	}
	return b.String()
}

// TestAccIdentityImport_stableKeys proves on both Kratos versions that a member is recognised by
// its external_id (Kratos's own on v25.4.0 and later, kept in metadata_admin before), so that no
// change of the configuration's shape deletes or duplicates a user, even with delete_on_destroy:
// an email changed in the export, a key renamed together with the email, and a member moved to
// another resource with a new email, whichever resource Terraform applies first. Each keeps one
// identity under the same ID, which still signs in with its password; the identity a moved member
// leaves behind is claimed by its new resource, so the old one's deferred deletion spares it; the
// destroy deletes everything.
func TestAccIdentityImport_stableKeys(t *testing.T) {
	skipWithoutAcc(t)
	emails := map[string]string{}
	for _, name := range []string{"alice", "alice2", "alice3", "bob", "bob2", "carol"} {
		emails[name] = uniqueEmail(t, name)
	}
	deleteEmailsAtEnd(t, emails["alice"], emails["bob"], emails["carol"])
	ext := func(name string) string { return "legacy-" + emails[name] }
	hash := bcryptHash(t, testPassword)
	first := []stableMember{
		{"alice", "a", emails["alice"], ext("alice")},
		{"bob", "a", emails["bob"], ext("bob")},
		{"carol", "b", emails["carol"], ext("carol")},
	}
	renamed := []stableMember{
		{"alice", "a", emails["alice2"], ext("alice")},
		{"robert", "a", emails["bob2"], ext("bob")},
		first[2],
	}
	moved := []stableMember{
		renamed[1],
		first[2],
		{"alice", "b", emails["alice3"], ext("alice")},
	}
	ids := map[string]string{}
	remember := func(s *terraform.State) error {
		for addr, key := range map[string]string{"kratos_identity_import.a": "alice", "kratos_identity_import.b": "carol"} {
			attrs, err := stateAttributes(s, addr)
			if err != nil {
				return err
			}
			ids[key] = attrs["ids."+key]
		}
		attrs, err := stateAttributes(s, "kratos_identity_import.a")
		ids["bob"] = attrs["ids.bob"]
		return err
	}
	sameID := func(addr, key, was string) resource.TestCheckFunc {
		return func(s *terraform.State) error {
			if ids[was] == "" {
				return fmt.Errorf("no ID recorded for %s", was)
			}
			return resource.TestCheckResourceAttr(addr, "ids."+key, ids[was])(s)
		}
	}
	// Kratos never sees the new emails: an import never updates what it imported.
	unchanged := resource.ComposeAggregateTestCheckFunc(
		checkHeldOnce(t, emails["alice"], emails["bob"], emails["carol"]),
		checkHeldByNone(t, emails["alice2"], emails["alice3"], emails["bob2"]),
		checkLogin(t, emails["alice"], testPassword, true),
		checkLogin(t, emails["bob"], testPassword, true),
	)
	resource.Test(t, resource.TestCase{
		PreCheck:                 func() { testAccPreCheck(t) },
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		CheckDestroy:             checkHeldByNone(t, emails["alice"], emails["bob"], emails["carol"]),
		Steps: []resource.TestStep{
			{Config: stableKeysConfig(first, hash), Check: resource.ComposeAggregateTestCheckFunc(unchanged, remember)},
			{
				// alice's email changes; bob is renamed robert with a new email.
				Config: stableKeysConfig(renamed, hash),
				Check: resource.ComposeAggregateTestCheckFunc(unchanged,
					sameID("kratos_identity_import.a", "alice", "alice"), sameID("kratos_identity_import.a", "robert", "bob"),
					resource.TestCheckResourceAttr("kratos_identity_import.a", "pending_deletion.%", "0")),
			},
			{
				// alice moves to b with yet another email: b records her identity, a only marks it
				// pending, which the next plan shows.
				Config:             stableKeysConfig(moved, hash),
				ExpectNonEmptyPlan: true,
				Check: resource.ComposeAggregateTestCheckFunc(unchanged,
					sameID("kratos_identity_import.b", "alice", "alice"), sameID("kratos_identity_import.b", "carol", "carol"),
					sameID("kratos_identity_import.a", "robert", "bob"),
					resource.TestCheckResourceAttr("kratos_identity_import.a", "ids.%", "1"),
					func(s *terraform.State) error {
						return resource.TestCheckResourceAttr("kratos_identity_import.a", "pending_deletion.alice", ids["alice"])(s)
					}),
			},
			{
				// The next apply deletes a's pending identities, but b has claimed alice's.
				Config: stableKeysConfig(moved, hash),
				Check: resource.ComposeAggregateTestCheckFunc(unchanged,
					sameID("kratos_identity_import.b", "alice", "alice"),
					resource.TestCheckResourceAttr("kratos_identity_import.a", "pending_deletion.%", "0")),
			},
			{Config: stableKeysConfig(moved, hash), PlanOnly: true},
		}})
}
