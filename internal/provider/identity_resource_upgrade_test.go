package provider

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/kratos-tf/terraform-provider-kratos/internal/kratosclient"
)

// TestAccIdentityResource_stateWithDerivedValues plans, with the CLI under test, an identity whose
// state a provider version that kept verifiable_addresses and credentials wrote: the plan has no
// changes, and the next apply stores a state without them.
func TestAccIdentityResource_stateWithDerivedValues(t *testing.T) {
	skipWithoutAcc(t)
	testAccPreCheck(t)
	email := uniqueEmail(t, "lean")
	traits := fmt.Sprintf(`{"email":%q}`, email)
	seeded := seedIdentity(t, kratosclient.CreateIdentityBody{SchemaID: "default", Traits: json.RawMessage(traits)})
	attributes := map[string]any{
		"id": seeded.ID, "schema_id": "default", "state": "active", "traits": traits, "metadata_public": nil, "metadata_admin": nil,
		"password": nil, "password_wo": nil, "password_wo_version": nil, "hashed_password": nil, "oidc_providers": []any{},
		"verified_addresses": nil, "external_id": nil, "organization_id": nil,
		"verifiable_addresses": []any{map[string]any{"value": email, "via": "email", "verified": false}},
		"credentials":          map[string]any{"password": map[string]any{"identifiers": []string{email}, "version": 0}},
	}
	dir := t.TempDir()
	writeFiles(t, dir, map[string]string{
		"terraform.tfstate": writtenState(t, "kratos_identity", "test", attributes),
		"main.tf": fmt.Sprintf(`terraform {
  required_providers {
    kratos = { source = "kratos-tf/kratos" }
  }
}

%s
resource "kratos_identity" "test" {
  schema_id = "default"
  traits    = jsonencode({ email = %q })
}
`, instanceProviderConfig(testKratos), email),
	})
	raw := applyOverWrittenState(t, dir)
	if strings.Contains(string(raw), `"verifiable_addresses"`) || strings.Contains(string(raw), `"credentials"`) || !strings.Contains(string(raw), seeded.ID) {
		t.Errorf("the state after the apply still holds the derived values, or lost the identity:\n%s", raw)
	}
}
