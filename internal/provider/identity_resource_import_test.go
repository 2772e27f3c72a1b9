package provider

import (
	"encoding/json"
	"fmt"
	"regexp"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"
	"github.com/hashicorp/terraform-plugin-testing/tfversion"

	"github.com/kratos-tf/terraform-provider-kratos/internal/kratosclient"
)

// identityVersionChecks skip a test on CLIs without resource identity (Terraform before 1.12;
// OpenTofu 1.12 has it).
var identityVersionChecks = []tfversion.TerraformVersionCheck{tfversion.SkipBelow(tfversion.Version1_12_0)}

// canonicalUUID matches a UUID as Kratos writes it.
var canonicalUUID = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$`)

// TestAccIdentityResource_identity proves that create, update and refresh record the ID as the
// resource identity, and that an import block naming that identity adopts the identity with no change.
func TestAccIdentityResource_identity(t *testing.T) {
	email := randomEmail("identity")
	config := func(role string) string {
		return fmt.Sprintf(`resource "kratos_identity" "test" {
  schema_id      = "default"
  traits         = jsonencode({ email = %q })
  metadata_admin = jsonencode({ role = %q })
}
`, email, role)
	}
	identityIsID := []statecheck.StateCheck{
		statecheck.ExpectIdentity(identityAddr, map[string]knownvalue.Check{"id": knownvalue.StringRegexp(canonicalUUID)}),
		statecheck.ExpectIdentityValueMatchesState(identityAddr, tfjsonpath.New("id")),
	}
	resource.Test(t, resource.TestCase{
		PreCheck:                 func() { testAccPreCheck(t) },
		TerraformVersionChecks:   identityVersionChecks,
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		CheckDestroy:             checkIdentityDestroyed(t),
		Steps: []resource.TestStep{
			{Config: config("admin"), ConfigStateChecks: identityIsID},
			{
				// import { to = kratos_identity.test, identity = { id = "…" } } with the identity from the state.
				ResourceName:    identityAddr,
				ImportState:     true,
				ImportStateKind: resource.ImportBlockWithResourceIdentity,
			},
			{
				Config:            config("owner"),
				ConfigPlanChecks:  resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{plancheck.ExpectResourceAction(identityAddr, plancheck.ResourceActionUpdate)}},
				ConfigStateChecks: identityIsID,
			},
			{
				// An import block by credential identifier records the same identity.
				ResourceName:    identityAddr,
				ImportState:     true,
				ImportStateKind: resource.ImportBlockWithID,
				ImportStateId:   strings.ToUpper(email),
			},
			{
				Config:            config("owner"),
				ConfigPlanChecks:  resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()}},
				ConfigStateChecks: identityIsID,
			},
		},
	})
}

// TestAccIdentityResource_importByIdentityBlock adopts an identity made outside Terraform through
// an import block's identity written in another case, which is stored in canonical form, and
// reports identities that are not IDs, or that do not exist, as errors.
func TestAccIdentityResource_importByIdentityBlock(t *testing.T) {
	email := uniqueEmail(t, "identity-block")
	seeded := seedPasswordIdentity(t, email)
	resourceConfig := fmt.Sprintf(`resource "kratos_identity" "test" {
  schema_id = "default"
  traits    = jsonencode({ email = %q })
}
`, email)
	importBlock := func(to, id string) string {
		return fmt.Sprintf("import {\n  to       = %s\n  identity = { id = %q }\n}\n", to, id)
	}
	other := func(to, id string) string {
		return resourceConfig + importBlock(to, id) +
			fmt.Sprintf("resource %q %q {\n  traits = jsonencode({ email = %q })\n}\n", "kratos_identity", "other", uniqueEmail(t, "identity-other"))
	}
	resource.Test(t, resource.TestCase{
		PreCheck:                 func() { testAccPreCheck(t) },
		TerraformVersionChecks:   identityVersionChecks,
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		CheckDestroy:             checkIdentityDestroyed(t),
		Steps: []resource.TestStep{
			{
				Config: resourceConfig + importBlock(identityAddr, strings.ToUpper(seeded.ID)),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply:             []plancheck.PlanCheck{plancheck.ExpectResourceAction(identityAddr, plancheck.ResourceActionNoop)},
					PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectIdentity(identityAddr, map[string]knownvalue.Check{"id": knownvalue.StringExact(seeded.ID)}),
					statecheck.ExpectKnownValue(identityAddr, tfjsonpath.New("id"), knownvalue.StringExact(seeded.ID)),
					// Import leaves login null: the password Kratos holds is neither recorded nor managed.
					statecheck.ExpectKnownValue(identityAddr, tfjsonpath.New("login"), knownvalue.Null()),
					identityWith(t, email, hasIdentifiers("password", email)),
				},
			},
			{
				Config:      other("kratos_identity.other", email),
				PlanOnly:    true,
				ExpectError: expectError("Invalid import identity", fmt.Sprintf("identity.id %q is not a UUID", email), "import block's id instead of identity"),
			},
			{
				Config:      other("kratos_identity.other", "00000000-0000-4000-8000-000000000000"),
				PlanOnly:    true,
				ExpectError: expectError("Cannot import non-existent remote object"),
			},
		},
	})
}

// TestAccIdentityResource_importThenManageLogin imports an identity with two linked social
// sign-ins into a configuration whose login lists one of them. Import leaves login unset, so the
// first apply plans an update, which compares the list with the links Kratos has: it unlinks the
// unlisted one, links nothing twice (Kratos would answer "identifier already taken"), and records
// exactly the planned list; the next plan is empty. Then oidc_providers = [] unlinks the other.
func TestAccIdentityResource_importThenManageLogin(t *testing.T) {
	env := newIdentityEnv(t)
	email := randomEmail("import-login")
	seeded := oidcIdentityFor(t, email, "github:import-1", "google:import-2")
	config := func(providers string) string {
		return env.config(fmt.Sprintf(`
resource "kratos_identity" "test" {
  schema_id = "default"
  traits    = jsonencode({ email = %q })
  login = {
    oidc_providers = [%s]
  }
}
`, email, providers))
	}
	github := config(`{ provider = "github", subject = "import-1" }`)
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		CheckDestroy:             checkIdentityDestroyed(t),
		Steps: []resource.TestStep{
			{
				ResourceName:       identityAddr,
				ImportState:        true,
				ImportStateId:      seeded.ID,
				ImportStatePersist: true,
				Config:             github,
			},
			{
				PreConfig: env.reset,
				Config:    github,
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(identityAddr, plancheck.ResourceActionUpdate),
				}},
				Check: resource.ComposeAggregateTestCheckFunc(
					env.expectRequests(map[string]int{"PUT /admin/identities": 0, "DELETE /admin/identities": 1}),
					checkIdentity(t, hasIdentifiers("oidc", "github:import-1"), "oidc"),
					checkIdentity(t, func(id *kratosclient.Identity) error {
						var config struct {
							Providers []json.RawMessage `json:"providers"`
						}
						if err := json.Unmarshal(id.Credentials["oidc"].Config, &config); err != nil || len(config.Providers) != 1 {
							return fmt.Errorf("the oidc credential holds %d providers (%v), want the one kept: %s",
								len(config.Providers), err, id.Credentials["oidc"].Config)
						}
						return nil
					}, "oidc"),
				),
			},
			{
				PreConfig: env.reset,
				Config:    config(""),
				Check: resource.ComposeAggregateTestCheckFunc(
					env.expectRequests(map[string]int{"PUT /admin/identities": 0, "DELETE /admin/identities": 1}),
					checkIdentity(t, hasIdentifiers("oidc"), "oidc"),
				),
			},
		},
	})
}
