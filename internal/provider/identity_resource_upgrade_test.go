package provider

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
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
	cli := os.Getenv("TF_ACC_TERRAFORM_PATH")
	host := "registry.terraform.io"
	if strings.Contains(filepath.Base(cli), "tofu") {
		host = "registry.opentofu.org"
	}
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
	state, err := json.Marshal(map[string]any{
		"version": 4, "terraform_version": "1.5.7", "serial": 1, "lineage": "1f0c2d3e-4b5a-4c6d-8e7f-9a0b1c2d3e4f", "outputs": map[string]any{},
		"resources": []any{map[string]any{
			"mode": "managed", "type": "kratos_identity", "name": "test", "provider": fmt.Sprintf("provider[%q]", host+"/kratos-tf/kratos"),
			"instances": []any{map[string]any{"schema_version": 0, "sensitive_attributes": []any{}, "attributes": attributes}},
		}},
	})
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	writeFiles(t, dir, map[string]string{
		"terraform.tfstate": string(state),
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
	run := devOverridesCLI(t, cli, buildProvider(t))
	run(dir, "plan", "-input=false", "-no-color", "-detailed-exitcode")
	run(dir, "apply", "-input=false", "-no-color", "-auto-approve")
	raw, err := os.ReadFile(filepath.Join(dir, "terraform.tfstate"))
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(raw), `"verifiable_addresses"`) || strings.Contains(string(raw), `"credentials"`) || !strings.Contains(string(raw), seeded.ID) {
		t.Errorf("the state after the apply still holds the derived values, or lost the identity:\n%s", raw)
	}
}
