package provider

import (
	"context"
	"encoding/json"
	"fmt"
	"reflect"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-go/tfprotov6"

	"github.com/kratos-tf/terraform-provider-kratos/internal/kratosclient"
)

// identityStateDir writes a directory holding a state of kratos_identity.test with the given
// attributes, as a provider writing schema version 0 stored it, and a configuration of that
// resource with the given body, using testKratos; it returns the directory.
func identityStateDir(t *testing.T, attributes map[string]any, body string) string {
	t.Helper()
	dir := t.TempDir()
	writeFiles(t, dir, map[string]string{
		"terraform.tfstate": writtenState(t, "kratos_identity", "test", attributes),
		"main.tf": fmt.Sprintf(`terraform {
  required_providers {
    kratos = { source = "kratos-tf/kratos" }
  }
}

%s
resource "kratos_identity" "test" {%s}
`, instanceProviderConfig(testKratos), body),
	})
	return dir
}

// TestAccIdentityResource_stateWithDerivedValues plans, with the CLI under test, an identity whose
// state a provider version that kept verifiable_addresses and credentials wrote, as its import left
// it (verified_addresses and oidc_providers recorded as empty sets): the plan has no changes, and
// the next apply stores a state without them.
func TestAccIdentityResource_stateWithDerivedValues(t *testing.T) {
	skipWithoutAcc(t)
	testAccPreCheck(t)
	email := uniqueEmail(t, "lean")
	traits := fmt.Sprintf(`{"email":%q}`, email)
	seeded := seedIdentity(t, kratosclient.CreateIdentityBody{SchemaID: "default", Traits: json.RawMessage(traits)})
	attributes := map[string]any{
		"id": seeded.ID, "schema_id": "default", "state": "active", "traits": traits, "metadata_public": nil, "metadata_admin": nil,
		"password": nil, "password_wo": nil, "password_wo_version": nil, "hashed_password": nil, "oidc_providers": []any{},
		"verified_addresses": []any{}, "external_id": nil, "organization_id": nil,
		"verifiable_addresses": []any{map[string]any{"value": email, "via": "email", "verified": false}},
		"credentials":          map[string]any{"password": map[string]any{"identifiers": []string{email}, "version": 0}},
	}
	raw := applyOverWrittenState(t, identityStateDir(t, attributes, fmt.Sprintf(`
  schema_id = "default"
  traits    = jsonencode({ email = %q })
`, email)))
	if strings.Contains(string(raw), `"verifiable_addresses"`) || strings.Contains(string(raw), `"credentials"`) || !strings.Contains(string(raw), seeded.ID) {
		t.Errorf("the state after the apply still holds the derived values, or lost the identity:\n%s", raw)
	}
}

// TestAccIdentityResource_upgradeToLogin plans, with the CLI under test, a configuration in the
// login shape against a version 0 state whose password and verified_addresses were top-level
// attributes: the state upgrades, the plan has no changes, and the apply stores schema version 1
// with both in login and neither password nor organization_id at the top level.
func TestAccIdentityResource_upgradeToLogin(t *testing.T) {
	skipWithoutAcc(t)
	testAccPreCheck(t)
	email := uniqueEmail(t, "login-upgrade")
	body := seedBody(email)
	body.SchemaID = "default"
	body.VerifiableAddresses = []kratosclient.VerifiableAddressImport{{Value: email, Via: "email", Verified: true, Status: "completed"}}
	seeded := seedIdentity(t, body)
	if len(seeded.VerifiableAddresses) != 1 || !seeded.VerifiableAddresses[0].Verified {
		t.Fatalf("Kratos should hold %s verified: %+v", email, seeded.VerifiableAddresses)
	}
	attributes := map[string]any{
		"id": seeded.ID, "schema_id": "default", "state": "active", "traits": fmt.Sprintf(`{"email":%q}`, email),
		"metadata_public": nil, "metadata_admin": nil, "external_id": nil, "organization_id": nil,
		"password": testPassword, "password_wo": nil, "password_wo_version": nil, "hashed_password": nil,
		"oidc_providers": []any{}, "verified_addresses": []string{email},
	}
	raw := applyOverWrittenState(t, identityStateDir(t, attributes, fmt.Sprintf(`
  schema_id = "default"
  traits    = jsonencode({ email = %q })
  login     = { password = %q, verified_addresses = [%q] }
`, email, testPassword, email)))
	var state struct {
		Resources []struct {
			Instances []struct {
				SchemaVersion int            `json:"schema_version"`
				Attributes    map[string]any `json:"attributes"`
			} `json:"instances"`
		} `json:"resources"`
	}
	if err := json.Unmarshal(raw, &state); err != nil || len(state.Resources) != 1 || len(state.Resources[0].Instances) != 1 {
		t.Fatalf("state after the apply (%v):\n%s", err, raw)
	}
	got := state.Resources[0].Instances[0]
	wantLogin := map[string]any{
		"password": testPassword, "password_wo": nil, "password_wo_version": nil, "hashed_password": nil,
		"oidc_providers": nil, "verified_addresses": []any{email},
	}
	if got.SchemaVersion != 1 || got.Attributes["id"] != seeded.ID || !reflect.DeepEqual(got.Attributes["login"], wantLogin) {
		t.Errorf("state at schema version %d with id %v and login %v, want version 1, id %s and login %v", got.SchemaVersion, got.Attributes["id"], got.Attributes["login"], seeded.ID, wantLogin)
	}
	for _, gone := range []string{"password", "verified_addresses", "oidc_providers", "organization_id"} {
		if v, ok := got.Attributes[gone]; ok {
			t.Errorf("the state after the apply still has the top-level attribute %s = %v", gone, v)
		}
	}
}

// TestUpgradeIdentityV0 upgrades version 0 states: login gathers the login attributes, or is null
// when none is set, and what version 1 does not record is dropped.
func TestUpgradeIdentityV0(t *testing.T) {
	// v0 is a version 0 state, with the attributes in set replacing its own.
	v0 := func(set string) string {
		state := map[string]json.RawMessage{}
		for _, doc := range []string{`{
			"id": "5f0a7c1e-2b3d-4e5f-8a9b-0c1d2e3f4a5b", "schema_id": "default", "state": "active",
			"traits": "{\"email\":\"ada@example.org\"}", "metadata_public": null, "metadata_admin": "{\"role\":\"admin\"}",
			"external_id": "ext-1", "organization_id": "0b6e7f2a-1c3d-4e5f-9a8b-7c6d5e4f3a2b",
			"password": null, "password_wo": null, "password_wo_version": null, "hashed_password": null,
			"oidc_providers": [], "verified_addresses": null,
			"verifiable_addresses": [{"value": "ada@example.org", "via": "email", "verified": true}],
			"credentials": {"password": {"identifiers": ["ada@example.org"], "version": 0}}
		}`, set} {
			if err := json.Unmarshal([]byte(doc), &state); err != nil {
				t.Fatal(err)
			}
		}
		encoded, err := json.Marshal(state)
		if err != nil {
			t.Fatal(err)
		}
		return string(encoded)
	}
	// v1 is the version 1 state upgraded from v0's attributes, with login.
	v1 := func(login string) string {
		return `{
			"id": "5f0a7c1e-2b3d-4e5f-8a9b-0c1d2e3f4a5b", "schema_id": "default", "state": "active",
			"traits": "{\"email\":\"ada@example.org\"}", "metadata_public": null, "metadata_admin": "{\"role\":\"admin\"}",
			"external_id": "ext-1", "login": ` + login + `}`
	}
	for _, tc := range []struct{ name, state, want string }{
		{name: "no login input", state: v0(`{}`), want: v1(`null`)},
		{
			name:  "password",
			state: v0(`{"password": "pw-1"}`),
			want: v1(`{"password": "pw-1", "password_wo": null, "password_wo_version": null, "hashed_password": null,
				"oidc_providers": null, "verified_addresses": null}`),
		},
		{
			name:  "write-only password version and hash",
			state: v0(`{"password_wo_version": 3, "hashed_password": "$2a$04$abc"}`),
			want: v1(`{"password": null, "password_wo": null, "password_wo_version": 3, "hashed_password": "$2a$04$abc",
				"oidc_providers": null, "verified_addresses": null}`),
		},
		{
			name:  "oidc providers",
			state: v0(`{"oidc_providers": [{"provider": "github", "subject": "1001"}]}`),
			want: v1(`{"password": null, "password_wo": null, "password_wo_version": null, "hashed_password": null,
				"oidc_providers": [{"provider": "github", "subject": "1001"}], "verified_addresses": null}`),
		},
		{
			name:  "verified addresses",
			state: v0(`{"verified_addresses": ["ada@example.org"], "oidc_providers": null}`),
			want: v1(`{"password": null, "password_wo": null, "password_wo_version": null, "hashed_password": null,
				"oidc_providers": null, "verified_addresses": ["ada@example.org"]}`),
		},
		{
			// A state of an earlier release without some attributes: they upgrade as null.
			name:  "attributes missing",
			state: `{"id": "5f0a7c1e-2b3d-4e5f-8a9b-0c1d2e3f4a5b", "traits": "{}", "password": "pw-2"}`,
			want: `{"id": "5f0a7c1e-2b3d-4e5f-8a9b-0c1d2e3f4a5b", "schema_id": null, "state": null, "traits": "{}",
				"metadata_public": null, "metadata_admin": null, "external_id": null,
				"login": {"password": "pw-2", "password_wo": null, "password_wo_version": null, "hashed_password": null,
					"oidc_providers": null, "verified_addresses": null}}`,
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var resp resource.UpgradeStateResponse
			upgradeIdentityV0(resource.UpgradeStateRequest{RawState: &tfprotov6.RawState{JSON: []byte(tc.state)}}, &resp)
			if resp.Diagnostics.HasError() || resp.DynamicValue == nil {
				t.Fatalf("upgrade failed: %v", resp.Diagnostics)
			}
			var got, want map[string]any
			if err := json.Unmarshal(resp.DynamicValue.JSON, &got); err != nil {
				t.Fatalf("upgraded state %s: %v", resp.DynamicValue.JSON, err)
			}
			if err := json.Unmarshal([]byte(tc.want), &want); err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, want) {
				t.Errorf("upgraded state\n%s\nwant\n%s", resp.DynamicValue.JSON, tc.want)
			}
			// The framework decodes the upgraded state with the version 1 schema: every attribute must fit it.
			if _, err := resp.DynamicValue.Unmarshal(identityResourceSchema().Type().TerraformType(context.Background())); err != nil {
				t.Errorf("the upgraded state does not fit the schema: %v", err)
			}
		})
	}
	for name, raw := range map[string]*tfprotov6.RawState{"not JSON": {JSON: []byte(`{"id": `)}, "not an object": {JSON: []byte(`["id"]`)}, "no state": nil} {
		t.Run(name, func(t *testing.T) {
			var resp resource.UpgradeStateResponse
			upgradeIdentityV0(resource.UpgradeStateRequest{RawState: raw}, &resp)
			if !resp.Diagnostics.HasError() || resp.DynamicValue != nil {
				t.Errorf("want an error diagnostic and no state, got %v and %v", resp.Diagnostics, resp.DynamicValue)
			}
		})
	}
}
