package provider

import (
	"encoding/json"
	"fmt"
	"testing"

	"github.com/kratos-tf/terraform-provider-kratos/internal/kratosclient"
)

// TestAccIdentityImport_upgradeFromMap plans, with the CLI under test, a configuration whose
// identities is the JSON document against a state written when identities was a map: the state
// upgrades, the plan has no changes (traits written as objects equal the strings stored before),
// and the apply stores schema version 1 with every member and ID kept.
func TestAccIdentityImport_upgradeFromMap(t *testing.T) {
	skipWithoutAcc(t)
	testAccPreCheck(t)
	hash := bcryptHash(t, testPassword)
	alice, bob := uniqueEmail(t, "upgrade-a"), uniqueEmail(t, "upgrade-b")
	a := seedIdentity(t, kratosclient.CreateIdentityBody{SchemaID: "default", Traits: json.RawMessage(fmt.Sprintf(`{"email":%q}`, alice))})
	b := seedIdentity(t, kratosclient.CreateIdentityBody{SchemaID: "default", Traits: json.RawMessage(fmt.Sprintf(`{"email":%q}`, bob))})
	member := func(email string, more map[string]any) map[string]any {
		m := map[string]any{
			"schema_id": "default", "traits": fmt.Sprintf(`{"email":%q}`, email), "external_id": nil, "state": nil, "metadata_public": nil,
			"metadata_admin": nil, "password": nil, "hashed_password": nil, "verified_addresses": nil, "oidc_providers": nil,
		}
		for k, v := range more {
			m[k] = v
		}
		return m
	}
	members := map[string]any{
		"alice": member(alice, map[string]any{"hashed_password": hash, "metadata_public": `{"plan":"pro"}`}),
		"bob":   member(bob, map[string]any{"verified_addresses": []string{bob}, "oidc_providers": []any{map[string]string{"provider": "github", "subject": "gh-" + bob}}}),
	}
	dir := t.TempDir()
	writeFiles(t, dir, map[string]string{
		"terraform.tfstate": writtenState(t, "kratos_identity_import", "users", map[string]any{
			"id": "7d0c4c36-2a4b-4f3e-9c38-5b1f0d1e2a11", "identities": members, "ids": map[string]any{"alice": a.ID, "bob": b.ID},
			"on_conflict": "adopt", "delete_on_destroy": false, "adopted": []string{}, "pending_deletion": map[string]string{},
		}),
		"main.tf": fmt.Sprintf(`terraform {
  required_providers {
    kratos = { source = "kratos-tf/kratos" }
  }
}

%s
resource "kratos_identity_import" "users" {
  identities = jsonencode({
    alice = { schema_id = "default", traits = { email = %q }, hashed_password = %q, metadata_public = { plan = "pro" } }
    bob = {
      schema_id          = "default"
      traits             = { email = %q }
      verified_addresses = [%q]
      oidc_providers     = [{ provider = "github", subject = %q }]
    }
  })
}
`, instanceProviderConfig(testKratos), alice, hash, bob, bob, "gh-"+bob),
	})
	raw := applyOverWrittenState(t, dir)
	var state struct {
		Resources []struct {
			Instances []struct {
				SchemaVersion int `json:"schema_version"`
				Attributes    struct {
					Identities string            `json:"identities"`
					IDs        map[string]string `json:"ids"`
				} `json:"attributes"`
			} `json:"instances"`
		} `json:"resources"`
	}
	if err := json.Unmarshal(raw, &state); err != nil || len(state.Resources) != 1 || len(state.Resources[0].Instances) != 1 {
		t.Fatalf("state after the apply (%v):\n%s", err, raw)
	}
	got := state.Resources[0].Instances[0]
	if got.SchemaVersion != 1 || got.Attributes.IDs["alice"] != a.ID || got.Attributes.IDs["bob"] != b.ID {
		t.Errorf("state at schema version %d with ids %v, want version 1 and alice %s, bob %s", got.SchemaVersion, got.Attributes.IDs, a.ID, b.ID)
	}
	decoded, problems, err := decodeImportMembers(got.Attributes.Identities)
	if err != nil || len(problems) > 0 || len(decoded) != 2 || string(decoded["alice"].MetadataPublic) != `{"plan":"pro"}` ||
		decoded["alice"].HashedPassword != hash || len(decoded["bob"].OIDCProviders) != 1 || string(decoded["bob"].Traits) != fmt.Sprintf(`{"email":%q}`, bob) {
		t.Errorf("identities after the upgrade = %+v (problems %v, %v)", decoded, problems, err)
	}
}
