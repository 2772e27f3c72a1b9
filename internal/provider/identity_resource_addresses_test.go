package provider

import (
	"encoding/json"
	"fmt"
	"regexp"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/kratos-tf/terraform-provider-kratos/internal/identityschema"
	"github.com/kratos-tf/terraform-provider-kratos/internal/kratosclient"
)

// multiCount identities are created at once: Kratos orders an identity's addresses by their
// random IDs, so with several identities some list backup_email before email and some after,
// and an address array sent in the wrong order mixes up the addresses' IDs for at least one
// of them with probability 1 - 2^-multiCount.
const multiCount = 4

// TestAccIdentityResource_multipleAddresses verifies the second of two addresses, then both,
// then changes one, on identities of the multi schema whose traits produce two verifiable
// addresses; each change is one PATCH per identity and re-planning is empty.
func TestAccIdentityResource_multipleAddresses(t *testing.T) {
	env := newIdentityEnv(t)
	const password, password2 = "multi-Passw0rd-for-test", "multi-Passw0rd-changed"
	emails, backups, renamed := make([]string, multiCount), make([]string, multiCount), make([]string, multiCount)
	for i := range multiCount {
		emails[i], backups[i], renamed[i] = randomEmail("multi"), randomEmail("backup"), randomEmail("renamed")
	}
	const first = "kratos_identity.m0"
	// cfg writes multiCount identities; verified is an HCL expression using email and backup.
	// Each depends on the one before: Kratos on in-memory SQLite answers concurrent updates
	// with 400 "Unable to serialize access due to a concurrent update", which the client
	// does not retry (reported to the lead).
	cfg := func(mail []string, verified, metadata string, pw ...string) string {
		pass := password
		if len(pw) > 0 {
			pass = pw[0]
		}
		var hcl strings.Builder
		for i := range multiCount {
			dependsOn := ""
			if i > 0 {
				dependsOn = fmt.Sprintf("depends_on = [kratos_identity.m%d]", i-1)
			}
			v := strings.NewReplacer("EMAIL", fmt.Sprintf("%q", mail[i]), "BACKUP", fmt.Sprintf("%q", backups[i])).Replace(verified)
			fmt.Fprintf(&hcl, `
resource "kratos_identity" "m%d" {
  schema_id       = "multi"
  traits          = jsonencode({ email = %q, backup_email = %q })
  metadata_public = jsonencode({ n = %q })
  login = {
    password           = %q
    verified_addresses = %s
  }
  %s
}
`, i, mail[i], backups[i], metadata, pass, v, dependsOn)
		}
		return env.config(hcl.String())
	}
	const (
		backupOnly = `[upper(BACKUP)]`
		both       = `[EMAIL, BACKUP]`
	)
	// verified checks in Kratos which of each identity's two addresses are verified.
	verified := func(mail []string, wantEmail, wantBackup bool) resource.TestCheckFunc {
		return func(s *terraform.State) error {
			for i := range multiCount {
				rs, ok := s.RootModule().Resources[fmt.Sprintf("kratos_identity.m%d", i)]
				if !ok {
					return fmt.Errorf("kratos_identity.m%d not in state", i)
				}
				id, err := testClient(t).GetIdentity(t.Context(), rs.Primary.ID)
				if err != nil {
					return err
				}
				got := map[string]bool{}
				for _, a := range id.VerifiableAddresses {
					got[a.Value] = a.Verified
				}
				if len(got) != 2 || got[mail[i]] != wantEmail || got[backups[i]] != wantBackup {
					return fmt.Errorf("identity %d: verified %v, want %s=%t and %s=%t", i, got, mail[i], wantEmail, backups[i], wantBackup)
				}
			}
			return nil
		}
	}
	writes := func(patch, put int) resource.TestCheckFunc {
		return env.expectRequests(map[string]int{"PATCH /admin/identities": patch, "PUT /admin/identities": put, "POST /admin/identities": 0})
	}
	empty := resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()}}
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		CheckDestroy:             checkIdentityDestroyed(t),
		Steps: []resource.TestStep{
			{
				// Only the second address is verified on create, spelled in upper case.
				PreConfig: env.reset,
				Config:    cfg(emails, backupOnly, "a"),
				Check: resource.ComposeAggregateTestCheckFunc(
					env.expectRequests(map[string]int{"POST /admin/identities": multiCount, "PATCH /admin/identities": 0}),
					verified(emails, false, true),
				),
			},
			{Config: cfg(emails, backupOnly, "a"), ConfigPlanChecks: empty},
			{
				// Both: one PATCH per identity, replacing the address array.
				PreConfig: env.reset,
				Config:    cfg(emails, both, "a"),
				Check:     resource.ComposeAggregateTestCheckFunc(writes(multiCount, 0), verified(emails, true, true)),
			},
			{Config: cfg(emails, both, "a"), ConfigPlanChecks: empty},
			{
				// A new email, verified in the same PATCH that changes the traits; the backup stays verified.
				PreConfig: env.reset,
				Config:    cfg(renamed, both, "a"),
				Check: resource.ComposeAggregateTestCheckFunc(
					writes(multiCount, 0),
					verified(renamed, true, true),
					checkLogin(t, renamed[0], password, true),
				),
			},
			{Config: cfg(renamed, both, "a"), ConfigPlanChecks: empty},
			{
				// Only metadata changes: one PATCH each, and Kratos keeps the addresses verified.
				PreConfig: env.reset,
				Config:    cfg(renamed, both, "b"),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(first, plancheck.ResourceActionUpdate),
				}},
				Check: resource.ComposeAggregateTestCheckFunc(writes(multiCount, 0), verified(renamed, true, true)),
			},
			{
				// Dropping an address from login.verified_addresses sends nothing and does not un-verify it.
				PreConfig: env.reset,
				Config:    cfg(renamed, `[EMAIL]`, "b"),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(first, plancheck.ResourceActionUpdate),
				}},
				Check: resource.ComposeAggregateTestCheckFunc(writes(0, 0), verified(renamed, true, true)),
			},
			{
				// The second address un-verified outside Terraform while listed: the plan shows it, one PATCH fixes it.
				PreConfig: func() {
					for i := range multiCount {
						unverify(t, renamed[i], backups[i])
					}
					env.reset()
				},
				Config: cfg(renamed, both, "b"),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(first, plancheck.ResourceActionUpdate),
				}},
				Check: resource.ComposeAggregateTestCheckFunc(writes(multiCount, 0), verified(renamed, true, true)),
			},
			{Config: cfg(renamed, both, "b"), ConfigPlanChecks: empty},
			{
				// A new password with the first address un-verified outside Terraform: one PUT, then
				// one PATCH with the addresses of the PUT's answer, ordered by address ID.
				PreConfig: func() {
					for i := range multiCount {
						unverify(t, renamed[i])
					}
					env.reset()
				},
				Config: cfg(renamed, both, "b", password2),
				Check: resource.ComposeAggregateTestCheckFunc(
					writes(multiCount, multiCount),
					verified(renamed, true, true),
					checkLogin(t, renamed[multiCount-1], password2, true),
				),
			},
			{Config: cfg(renamed, both, "b", password2), ConfigPlanChecks: empty},
			{
				// Import by ID in a non-canonical spelling. Import leaves login null, so the
				// configured login is not compared.
				ResourceName: first,
				ImportState:  true,
				ImportStateIdFunc: func(s *terraform.State) (string, error) {
					rs, ok := s.RootModule().Resources[first]
					if !ok {
						return "", fmt.Errorf("%s not in state", first)
					}
					return "{" + strings.ToUpper(rs.Primary.ID) + "}", nil
				},
				ImportStateVerify:       true,
				ImportStateVerifyIgnore: []string{"login"},
			},
		},
	})
}

// TestAccIdentityResource_unknownAtPlan plans with traits and login.verified_addresses that are
// unknown until apply: wholly unknown, and a set with an unknown element.
func TestAccIdentityResource_unknownAtPlan(t *testing.T) {
	env := newIdentityEnv(t)
	email, email2 := randomEmail("unknown"), randomEmail("unknown2")
	cfg := func(mail, verifiedInput, verified string) string {
		return env.config(fmt.Sprintf(`
resource "terraform_data" "email" {
  input = %q
}
resource "terraform_data" "verified" {
  input = %s
}
resource "kratos_identity" "test" {
  schema_id = "default"
  traits    = jsonencode({ email = terraform_data.email.output })
  login     = { verified_addresses = %s }
}
`, mail, verifiedInput, verified))
	}
	const wholly = "toset(terraform_data.verified.output)"
	addresses := func(mail string, wantVerified bool) resource.TestCheckFunc {
		return checkIdentity(t, func(id *kratosclient.Identity) error {
			if len(id.VerifiableAddresses) != 1 || id.VerifiableAddresses[0].Value != mail || id.VerifiableAddresses[0].Verified != wantVerified {
				return fmt.Errorf("want %s verified=%t, Kratos has %+v", mail, wantVerified, id.VerifiableAddresses)
			}
			return nil
		})
	}
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		CheckDestroy:             checkIdentityDestroyed(t),
		Steps: []resource.TestStep{
			{
				Config: cfg(email, "[]", wholly),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectUnknownValue(identityAddr, tfjsonpath.New("traits")),
				}},
				Check: addresses(email, false),
			},
			{
				// Traits unchanged, login.verified_addresses unknown until apply.
				Config: cfg(email, fmt.Sprintf("[%q]", email), wholly),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectUnknownValue(identityAddr, tfjsonpath.New("login").AtMapKey("verified_addresses")),
				}},
				Check: addresses(email, true),
			},
			{
				// A set whose element is unknown until apply.
				Config: cfg(email2, "[]", "[terraform_data.email.output]"),
				Check:  addresses(email2, true),
			},
			{Config: cfg(email2, "[]", "[terraform_data.email.output]"), ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()}}},
		},
	})
}

// TestAccIdentityResource_staleAddresses verifies an address with refresh disabled after the
// traits changed outside Terraform: the email moved to backup_email and a new email took its
// place. The provider reads the addresses Kratos holds before it verifies one, so it verifies only
// the listed one. Terraform and OpenTofu then report the traits Kratos has as an inconsistent result.
func TestAccIdentityResource_staleAddresses(t *testing.T) {
	env := newIdentityEnv(t)
	email, backup := randomEmail("stale"), randomEmail("stalebackup")
	var id string
	intruder := randomEmail("intruder")
	cfg := func(verified string) string {
		return env.config(fmt.Sprintf(`
resource "kratos_identity" "test" {
  schema_id = "multi"
  traits    = jsonencode({ email = %q, backup_email = %q })
  login     = { verified_addresses = [%q] }
}
`, email, backup, verified))
	}
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		CheckDestroy:             checkIdentityDestroyed(t),
		AdditionalCLIOptions:     &resource.AdditionalCLIOptions{Plan: resource.PlanOptions{NoRefresh: true}},
		Steps: []resource.TestStep{
			{
				Config: cfg(backup),
				Check: func(s *terraform.State) error {
					rs, ok := s.RootModule().Resources[identityAddr]
					if !ok {
						return fmt.Errorf("%s not in state", identityAddr)
					}
					id = rs.Primary.ID
					return nil
				},
			},
			{
				// Out of band: email becomes a new address and the old one moves to backup_email.
				PreConfig: func() {
					traits, _ := json.Marshal(map[string]string{"email": intruder, "backup_email": email})
					if _, err := testClient(t).PatchIdentity(t.Context(), id, []kratosclient.PatchOp{{Op: "replace", Path: "/traits", Value: traits}}); err != nil {
						t.Fatal(err)
					}
					env.reset()
				},
				// The apply fails: Kratos's traits are not the planned ones. The next step checks Kratos.
				Config:      cfg(email),
				ExpectError: regexp.MustCompile(`inconsistent result after apply|Address not produced by the traits`),
			},
			{
				// Only the listed address is verified, with one PATCH; backup_email's old value is gone.
				RefreshState:       true,
				ExpectNonEmptyPlan: true,
				Check: resource.ComposeAggregateTestCheckFunc(
					env.expectRequests(map[string]int{"PATCH /admin/identities": 1, "PUT /admin/identities": 0}),
					func(*terraform.State) error {
						got, err := testClient(t).GetIdentity(t.Context(), id)
						if err != nil {
							return err
						}
						verified := map[string]bool{}
						for _, a := range got.VerifiableAddresses {
							verified[a.Value] = a.Verified
						}
						if len(verified) != 2 || !verified[email] || verified[intruder] {
							return fmt.Errorf("want only %s verified (and %s not), Kratos has %v", email, intruder, verified)
						}
						return nil
					},
				),
			},
		},
	})
}

// TestAccIdentityResource_importKeepsVerifiedAddresses imports, through an import block, an
// identity whose verified address the configuration lists in login.verified_addresses. Import
// leaves login null (it used to record every verified address, and the import planned no
// change), so the import plans an update that records login and sends nothing: the address is
// already verified. The next plan is empty. Removing login then plans an update that sends
// nothing either, and the address stays verified.
func TestAccIdentityResource_importKeepsVerifiedAddresses(t *testing.T) {
	env := newIdentityEnv(t)
	email := randomEmail("imported")
	seeded := seedIdentity(t, kratosclient.CreateIdentityBody{
		SchemaID:            "default",
		Traits:              json.RawMessage(fmt.Sprintf(`{"email":%q}`, email)),
		VerifiableAddresses: []kratosclient.VerifiableAddressImport{verifiedAddressImport(email)},
	})
	cfg := func(login string) string {
		return env.config(fmt.Sprintf(`
import {
  to = kratos_identity.test
  id = %q
}

resource "kratos_identity" "test" {
  schema_id = "default"
  traits    = jsonencode({ email = %q })
  %s
}
`, seeded.ID, email, login))
	}
	withVerified, withoutLogin := cfg(fmt.Sprintf("login = { verified_addresses = [%q] }", email)), cfg("")
	update := resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{plancheck.ExpectResourceAction(identityAddr, plancheck.ResourceActionUpdate)}}
	empty := resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()}}
	noWrites := env.expectRequests(map[string]int{"PATCH /admin/identities": 0, "PUT /admin/identities": 0})
	stillVerified := checkIdentity(t, func(id *kratosclient.Identity) error {
		if len(id.VerifiableAddresses) != 1 || !id.VerifiableAddresses[0].Verified {
			return fmt.Errorf("want %s verified, Kratos has %+v", email, id.VerifiableAddresses)
		}
		return nil
	})
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{
				PreConfig:        env.reset,
				Config:           withVerified,
				ConfigPlanChecks: update,
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(identityAddr, tfjsonpath.New("login").AtMapKey("verified_addresses"), knownvalue.SetExact([]knownvalue.Check{knownvalue.StringExact(email)})),
				},
				Check: resource.ComposeAggregateTestCheckFunc(noWrites, stillVerified),
			},
			{Config: withVerified, ConfigPlanChecks: empty},
			{
				// Removed, login is no longer recorded and nothing is sent.
				PreConfig:        env.reset,
				Config:           withoutLogin,
				ConfigPlanChecks: update,
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(identityAddr, tfjsonpath.New("login"), knownvalue.Null()),
				},
				Check: resource.ComposeAggregateTestCheckFunc(noWrites, stillVerified),
			},
			{Config: withoutLogin, ConfigPlanChecks: empty},
		},
	})
}

// TestAccIdentityResource_omittedVerifiedAddressesPlanNull creates an identity whose login omits
// verified_addresses (and oidc_providers): the plan records null, not a value known only after
// apply, and re-planning is empty.
func TestAccIdentityResource_omittedVerifiedAddressesPlanNull(t *testing.T) {
	env := newIdentityEnv(t)
	cfg := env.config(fmt.Sprintf(`
resource "kratos_identity" "test" {
  schema_id = "default"
  traits    = jsonencode({ email = %q })
  login     = { password = "omitted-Passw0rd-for-test" }
}
`, randomEmail("omitted")))
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		CheckDestroy:             checkIdentityDestroyed(t),
		Steps: []resource.TestStep{
			{
				PreConfig: env.reset,
				Config:    cfg,
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectKnownValue(identityAddr, tfjsonpath.New("login").AtMapKey("verified_addresses"), knownvalue.Null()),
					plancheck.ExpectKnownValue(identityAddr, tfjsonpath.New("login").AtMapKey("oidc_providers"), knownvalue.Null()),
				}},
			},
			{Config: cfg, ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()}}},
		},
	})
}

// TestAccIdentityResource_unproducedAddressFailsThePlan changes the email but keeps the old
// address in login.verified_addresses: the plan fails on it, and nothing is written
// (before, the apply patched the traits and then failed).
func TestAccIdentityResource_unproducedAddressFailsThePlan(t *testing.T) {
	env := newIdentityEnv(t)
	email, email2 := randomEmail("kept"), randomEmail("moved")
	cfg := func(mail, verified string) string {
		return env.config(fmt.Sprintf(`
resource "kratos_identity" "test" {
  schema_id = "default"
  traits    = jsonencode({ email = %q })
  login     = { verified_addresses = [%q] }
}
`, mail, verified))
	}
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		CheckDestroy:             checkIdentityDestroyed(t),
		Steps: []resource.TestStep{
			{PreConfig: env.reset, Config: cfg(email, email)},
			{
				PreConfig:   env.reset,
				Config:      cfg(email2, email),
				PlanOnly:    true,
				ExpectError: regexp.MustCompile(`(?s)Address not produced by the traits.*planned traits do not produce.*` + regexp.QuoteMeta(email)),
			},
			{
				Config: cfg(email, email),
				Check: resource.ComposeAggregateTestCheckFunc(
					env.expectRequests(map[string]int{"PATCH /admin/identities": 0, "PUT /admin/identities": 0}),
					checkIdentity(t, func(id *kratosclient.Identity) error {
						if !strings.Contains(string(id.Traits), email) {
							return fmt.Errorf("the failed plan changed the traits: %s", id.Traits)
						}
						return nil
					}),
				),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()}},
			},
		},
	})
}

// TestAddUnproducedAddressErrors proves that an address the traits do not produce is an error on
// login.verified_addresses naming it, and that a produced address, in any case, is not.
func TestAddUnproducedAddressErrors(t *testing.T) {
	t.Parallel()
	s, err := identityschema.Compile("test", []byte(`{"properties": {"traits": {"properties": {
  "email": {"type": "string", "ory.sh/kratos": {"verification": {"via": "email"}}}}}}}`))
	if err != nil {
		t.Fatal(err)
	}
	const traits = `{"email":"a@x.io"}`
	var diags diag.Diagnostics
	addUnproducedAddressErrors(s, traits, []string{"A@X.io"}, &diags)
	if diags.HasError() {
		t.Errorf("a produced address: unexpected %v", diags)
	}
	addUnproducedAddressErrors(s, traits, []string{"a@x.io", "b@x.io"}, &diags)
	if !hasAttributeError(diags, "login.verified_addresses", "Address not produced by the traits") || len(diags) != 1 || !strings.Contains(diags[0].Detail(), "`b@x.io`") {
		t.Errorf("want one Address not produced by the traits error naming b@x.io on login.verified_addresses, got %v", diags)
	}
}
