package provider

import (
	"fmt"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/kratos-tf/terraform-provider-kratos/internal/kratostest"
)

// credentialsDeletionConfig deletes the types (HCL list text) of the identity, with extra lines and triggers = { round = round }.
func credentialsDeletionConfig(identityID, types, extra, round string) string {
	return fmt.Sprintf(`resource "kratos_credentials_deletion" "test" {
  identity_id = %q
  types       = %s
%s
  triggers = {
    round = %q
  }
}
`, identityID, types, extra, round)
}

// knownStringSet checks a set of strings.
func knownStringSet(values ...string) knownvalue.Check {
	checks := make([]knownvalue.Check, len(values))
	for i, v := range values {
		checks[i] = knownvalue.StringExact(v)
	}
	return knownvalue.SetExact(checks)
}

// TestAccCredentialsDeletionResource_secondFactors deletes TOTP and lookup secrets that the user
// enrolled through the settings flow: they are gone, the password alone signs in, and deleting
// again (new triggers) warns and records nothing deleted.
func TestAccCredentialsDeletionResource_secondFactors(t *testing.T) {
	identity, email := seedSecondFactors(t, "deletion")
	const name = "kratos_credentials_deletion.test"
	types := `["totp", "lookup_secret", "webauthn"]`
	testAccRun(t, []resource.TestStep{
		{
			Config: credentialsDeletionConfig(identity.ID, types, "", "1"),
			Check: resource.ComposeAggregateTestCheckFunc(
				checkCredentialTypes(t, identity.ID, []string{"password"}, []string{credentialTOTP, credentialLookupSecret}),
				checkPasswordAloneSignsIn(t, email),
			),
			ConfigStateChecks: []statecheck.StateCheck{
				statecheck.ExpectKnownValue(name, tfjsonpath.New("id"), uuidValue),
				statecheck.ExpectKnownValue(name, tfjsonpath.New("deleted_types"), knownStringSet(credentialLookupSecret, credentialTOTP)),
			},
			ConfigPlanChecks: resource.ConfigPlanChecks{PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()}},
		},
		{
			Config: credentialsDeletionConfig(identity.ID, types, "", "2"),
			ConfigPlanChecks: resource.ConfigPlanChecks{
				PreApply: []plancheck.PlanCheck{plancheck.ExpectResourceAction(name, plancheck.ResourceActionDestroyBeforeCreate)},
			},
			ConfigStateChecks: []statecheck.StateCheck{
				statecheck.ExpectKnownValue(name, tfjsonpath.New("deleted_types"), knownStringSet()),
			},
			Check: checkPasswordAloneSignsIn(t, email),
		},
	})
}

// TestAccCredentialsDeletionResource_oidc unlinks one named provider, then every remaining one.
func TestAccCredentialsDeletionResource_oidc(t *testing.T) {
	identity, email := oidcIdentity(t, "deletion-oidc", "github:1", "google:2", "gitlab:3")
	const name = "kratos_credentials_deletion.test"
	testAccRun(t, []resource.TestStep{
		{
			Config: credentialsDeletionConfig(identity.ID, `["oidc"]`, `  oidc_identifiers = ["google:2"]`, "1"),
			Check:  checkOIDCIdentifiers(t, identity.ID, "github:1", "gitlab:3"),
			ConfigStateChecks: []statecheck.StateCheck{
				statecheck.ExpectKnownValue(name, tfjsonpath.New("deleted_types"), knownStringSet(credentialOIDC)),
			},
		},
		{
			Config: credentialsDeletionConfig(identity.ID, `["oidc"]`, "", "1"),
			ConfigPlanChecks: resource.ConfigPlanChecks{
				PreApply: []plancheck.PlanCheck{plancheck.ExpectResourceAction(name, plancheck.ResourceActionDestroyBeforeCreate)},
			},
			Check: resource.ComposeAggregateTestCheckFunc(
				checkOIDCIdentifiers(t, identity.ID),
				checkPasswordAloneSignsIn(t, email),
			),
		},
	})
}

// TestAccCredentialsDeletionResource_errors proves the plan-time refusals on every CLI and that an
// unknown identity fails the apply.
func TestAccCredentialsDeletionResource_errors(t *testing.T) {
	cfg := func(types, extra string) string { return credentialsDeletionConfig(randomUUID, types, extra, "1") }
	testAccRun(t, []resource.TestStep{
		{
			Config:      cfg(`["code"]`, ""),
			ExpectError: expectError("Credential type cannot be deleted", `"code" cannot be deleted`),
		},
		{
			Config:      cfg(`["passkey"]`, ""),
			ExpectError: expectError("Credential type cannot be deleted", "cannot delete passkeys"),
		},
		{
			Config:      cfg(`["lookup"]`, ""),
			ExpectError: expectError("Unknown credential type"),
		},
		{
			Config:      cfg(`["totp"]`, `  oidc_identifiers = ["github:1"]`),
			ExpectError: expectError("oidc_identifiers without oidc"),
		},
		{
			Config:      cfg(`["oidc"]`, `  oidc_identifiers = [":1"]`),
			ExpectError: expectError("Invalid OIDC identifier"),
		},
		{
			Config:      cfg(`["totp"]`, ""),
			ExpectError: expectError("Identity not found", "Kratos has no identity "+randomUUID),
		},
	})
}

// TestAccCredentialsDeletionResource_firstFactors deletes first factors as each Kratos allows: on
// v1.x a password or SAML deletion is refused at plan time with v1's reason; on v25.4.0 and later
// a password goes while a social sign-in is left, deleting it again is a warning, and the last
// sign-in method is refused with an error that says so.
func TestAccCredentialsDeletionResource_firstFactors(t *testing.T) {
	const name = "kratos_credentials_deletion.test"
	if kratostest.Version() == kratostest.V1 {
		testAccRun(t, []resource.TestStep{
			{
				Config:      credentialsDeletionConfig(randomUUID, `["password", "totp"]`, "", "1"),
				ExpectError: expectError(`"password" cannot be deleted`, "Kratos v1.3.1 refuses to delete a password", "v25.4.0 and later"),
			},
			{
				Config:      credentialsDeletionConfig(randomUUID, `["saml"]`, "", "1"),
				ExpectError: expectError(`"saml" cannot be deleted`, "Kratos v1.3.1 has no SAML credentials"),
			},
		})
		return
	}
	identity, email := oidcIdentity(t, "deletion-first", "github:1")
	testAccRun(t, []resource.TestStep{
		{
			Config: credentialsDeletionConfig(identity.ID, `["password"]`, "", "1"),
			Check:  checkOIDCIdentifiers(t, identity.ID, "github:1"),
			ConfigStateChecks: []statecheck.StateCheck{
				statecheck.ExpectKnownValue(name, tfjsonpath.New("deleted_types"), knownStringSet(credentialPassword)),
			},
		},
		{
			// The deleted password stays listed with an emptied config: a second round warns.
			Config: credentialsDeletionConfig(identity.ID, `["password"]`, "", "2"),
			ConfigStateChecks: []statecheck.StateCheck{
				statecheck.ExpectKnownValue(name, tfjsonpath.New("deleted_types"), knownStringSet()),
			},
		},
		{
			Config:      credentialsDeletionConfig(identity.ID, `["oidc"]`, "", "3"),
			ExpectError: expectError("Last sign-in method", "it is the identity's last first factor"),
		},
	})
	if _, err := testKratos.Login(t.Context(), email, testPassword); err == nil {
		t.Error("the deleted password still signs in")
	}
}
