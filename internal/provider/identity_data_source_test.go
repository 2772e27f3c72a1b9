package provider

import (
	"crypto/rand"
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/google/uuid"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"

	"github.com/kratos-tf/terraform-provider-kratos/internal/kratosclient"
)

// TestAccIdentityDataSource_basic reads an identity by ID, by email (in another case), by OIDC
// identifier with its oidc configuration, and rejects ambiguous, unknown and malformed lookups.
func TestAccIdentityDataSource_basic(t *testing.T) {
	const name = "data.kratos_identity.by_id"
	email := uniqueEmail(t, "identity")
	username := strings.TrimSuffix(email, "@example.test")
	subject := strings.ToLower(rand.Text()[:12])
	shared := strings.ToLower(rand.Text()[:12])
	traits := fmt.Sprintf(`{"email":%q,"username":%q,"name":{"first":"Grace","last":"Hopper"},"tags":["navy"]}`, email, username)
	a := seedIdentity(t, kratosclient.CreateIdentityBody{
		Traits:         json.RawMessage(traits),
		MetadataPublic: json.RawMessage(`{"plan":"pro","seats":3}`),
		MetadataAdmin:  json.RawMessage(`{"note":"vip"}`),
		Credentials: &kratosclient.CredentialsImport{
			Password: &kratosclient.PasswordImport{Config: kratosclient.PasswordImportConfig{Password: testPassword}},
			OIDC: &kratosclient.OIDCImport{Config: kratosclient.OIDCImportConfig{
				Providers: []kratosclient.OIDCProvider{{Provider: "github", Subject: subject}},
			}},
		},
	})
	// "github:<shared>" is b's social sign-in and c's username: one identifier, two identities.
	seedIdentity(t, kratosclient.CreateIdentityBody{
		Traits: json.RawMessage(fmt.Sprintf(`{"email":%q}`, uniqueEmail(t, "identity-b"))),
		Credentials: &kratosclient.CredentialsImport{OIDC: &kratosclient.OIDCImport{Config: kratosclient.OIDCImportConfig{
			Providers: []kratosclient.OIDCProvider{{Provider: "github", Subject: shared}},
		}}},
	})
	seedIdentity(t, kratosclient.CreateIdentityBody{
		Traits: json.RawMessage(fmt.Sprintf(`{"email":%q,"username":"github:%s"}`, uniqueEmail(t, "identity-c"), shared)),
	})
	lookup := func(body string) string { return "data \"kratos_identity\" \"x\" {\n" + body + "\n}\n" }
	testAccRun(t, []resource.TestStep{
		{Config: lookup(``), ExpectError: expectError("Missing Attribute Configuration", "Exactly one of these attributes must be configured: [id,credentials_identifier,external_id]")},
		{
			Config:      lookup(fmt.Sprintf("id = %q\ncredentials_identifier = %q", a.ID, email)),
			ExpectError: expectError("Invalid Attribute Combination"),
		},
		{Config: lookup(`id = "1234"`), ExpectError: expectError("Invalid Attribute Value Match", "must be a UUID")},
		{Config: lookup(fmt.Sprintf("id = %q", uuid.NewString())), ExpectError: expectError("Identity not found", "answered 404")},
		{
			Config:      lookup(`credentials_identifier = "nobody-here@example.test"`),
			ExpectError: expectError("Identity not found", `"nobody-here@example.test"`),
		},
		{
			Config:      lookup(fmt.Sprintf("credentials_identifier = \"github:%s\"", shared)),
			ExpectError: expectError("More than one identity found", "Read the identity by id instead."),
		},
		{
			Config:      lookup(fmt.Sprintf("id = %q\ninclude_credential = [\"secrets\"]", a.ID)),
			ExpectError: expectError("include_credential", "value must be one of"),
		},
		{
			Config: fmt.Sprintf(`
data "kratos_identity" "by_id" { id = %[1]q }
data "kratos_identity" "by_email" { credentials_identifier = upper(%[2]q) }
data "kratos_identity" "by_oidc" {
  credentials_identifier = "github:%[3]s"
  include_credential     = ["oidc"]
}
`, a.ID, email, subject),
			Check: resource.ComposeAggregateTestCheckFunc(
				resource.TestCheckResourceAttr(name, "id", a.ID),
				resource.TestCheckResourceAttr(name, "schema_id", "default"),
				resource.TestCheckResourceAttr(name, "state", "active"),
				checkJSONAttr(name, "traits", checkJSONEqual(traits)),
				checkJSONAttr(name, "metadata_public", checkJSONEqual(`{"plan":"pro","seats":3}`)),
				checkJSONAttr(name, "metadata_admin", checkJSONEqual(`{"note":"vip"}`)),
				resource.TestCheckResourceAttr(name, "verifiable_addresses.#", "1"),
				resource.TestCheckResourceAttr(name, "verifiable_addresses.0.value", email),
				resource.TestCheckResourceAttr(name, "verifiable_addresses.0.via", "email"),
				resource.TestCheckResourceAttr(name, "verifiable_addresses.0.verified", "false"),
				resource.TestCheckResourceAttr(name, "verifiable_addresses.0.status", "pending"),
				resource.TestCheckResourceAttr(name, "recovery_addresses.#", "1"),
				resource.TestCheckResourceAttr(name, "recovery_addresses.0.value", email),
				resource.TestCheckTypeSetElemAttr(name, "credentials.password.identifiers.*", email),
				resource.TestCheckTypeSetElemAttr(name, "credentials.password.identifiers.*", username),
				resource.TestCheckResourceAttr(name, "credentials.oidc.identifiers.0", "github:"+subject),
				resource.TestCheckTypeSetElemNestedAttrs(name, "oidc_providers.*", map[string]string{"provider": "github", "subject": subject}),
				resource.TestCheckResourceAttrSet(name, "created_at"),
				resource.TestCheckResourceAttrSet(name, "updated_at"),
				resource.TestCheckResourceAttrSet(name, "state_changed_at"),
				resource.TestCheckNoResourceAttr(name, "organization_id"),
				resource.TestCheckNoResourceAttr(name, "credentials_config.%"),
				resource.TestCheckResourceAttr("data.kratos_identity.by_email", "id", a.ID),
				resource.TestCheckResourceAttr("data.kratos_identity.by_oidc", "id", a.ID),
				resource.TestCheckResourceAttr("data.kratos_identity.by_oidc", "credentials_config.%", "1"),
				checkJSONAttr("data.kratos_identity.by_oidc", "credentials_config.oidc", func(doc any) error {
					config, _ := doc.(map[string]any)
					providers, _ := config["providers"].([]any)
					if len(providers) == 1 {
						if p, ok := providers[0].(map[string]any); ok && p["subject"] == subject && p["provider"] == "github" {
							return nil
						}
					}
					return fmt.Errorf("oidc config providers = %v, want one github provider with subject %s", providers, subject)
				}),
			),
		},
	})
}
