package provider

import (
	"encoding/json"
	"slices"
	"testing"

	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/kratos-tf/terraform-provider-kratos/internal/kratosclient"
)

// oidcSet builds an oidc_providers value.
func oidcSet(t *testing.T, ps ...kratosclient.OIDCProvider) types.Set {
	t.Helper()
	s, diags := oidcProvidersValue(ps)
	if diags.HasError() {
		t.Fatal(diags)
	}
	return s
}

// TestComputeIdentityChanges decides what an update sends, including the cases where nothing is
// sent (password removed, verified_addresses shrunk or omitted, login removed, traits spelled differently).
func TestComputeIdentityChanges(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	const traits = `{"email":"a@x.io","username":"ada","name":{"first":"Ada","last":"Lovelace"}}`
	read, diags := flattenIdentityCore(&kratosclient.Identity{
		ID: "i", SchemaID: "default", State: "active", Traits: json.RawMessage(traits),
		Credentials: map[string]kratosclient.Credentials{
			"oidc": {Type: "oidc", Identifiers: []string{"github:1", "google:2"}},
		},
	})
	set := func(elems ...attr.Value) types.Set { return types.SetValueMust(types.StringType, elems) }
	login, d := types.ObjectValue(identityLoginAttrTypes, map[string]attr.Value{
		"password":            types.StringValue("old-password"),
		"password_wo":         types.StringNull(),
		"password_wo_version": types.Int64Null(),
		"hashed_password":     types.StringNull(),
		"oidc_providers":      read.OIDCProviders,
		"verified_addresses":  set(types.StringValue("a@x.io")),
	})
	diags.Append(d...)
	if diags.HasError() {
		t.Fatal(diags)
	}
	prior := func() *identityResourceModel {
		return &identityResourceModel{
			ID: types.StringValue("i"), SchemaID: read.SchemaID, State: read.State, Traits: read.Traits,
			MetadataPublic: read.MetadataPublic, MetadataAdmin: read.MetadataAdmin, ExternalID: read.ExternalID, Login: login,
		}
	}
	cases := []struct {
		name string
		// edit changes the planned and configured document; login changes their login attribute.
		edit  func(plan, config *identityResourceModel)
		login func(plan, config *identityLoginModel)
		// want
		patch, credentials, unlink bool
		verify                     []string
	}{
		{name: "no change"},
		{name: "password removed: nothing sent", login: func(p, c *identityLoginModel) {
			p.Password, c.Password = types.StringNull(), types.StringNull()
		}},
		{name: "verified_addresses shrunk: nothing sent", login: func(p, c *identityLoginModel) {
			p.VerifiedAddresses, c.VerifiedAddresses = set(), set()
		}},
		{name: "verified_addresses omitted: not managed", login: func(p, c *identityLoginModel) {
			p.VerifiedAddresses, c.VerifiedAddresses = set(types.StringValue("b@x.io")), types.SetNull(types.StringType)
		}},
		{name: "login removed: nothing sent, nothing unlinked", edit: func(p, c *identityResourceModel) {
			p.Login, c.Login = types.ObjectNull(identityLoginAttrTypes), types.ObjectNull(identityLoginAttrTypes)
		}},
		{name: "a trait", edit: func(p, c *identityResourceModel) {
			p.Traits = newJSONValue(`{"email":"a@x.io","username":"ada","name":{"first":"Ada","last":"Byron"}}`)
		}, patch: true},
		{name: "the same traits spelled differently: nothing sent", edit: func(p, c *identityResourceModel) {
			p.Traits = newJSONValue(`{ "username": "ada", "name": {"last":"Lovelace","first":"Ada"}, "email": "a@x.io" }`)
		}},
		{name: "another schema", edit: func(p, c *identityResourceModel) {
			p.SchemaID = types.StringValue("minimal")
		}, patch: true},
		{name: "state", edit: func(p, c *identityResourceModel) {
			p.State = types.StringValue("inactive")
		}, patch: true},
		{name: "an address to verify (the recorded one in another case is not)", login: func(p, c *identityLoginModel) {
			p.VerifiedAddresses = set(types.StringValue("A@X.io"), types.StringValue("b@x.io"))
			c.VerifiedAddresses = p.VerifiedAddresses
		}, verify: []string{"b@x.io"}},
		{name: "a new password", login: func(p, c *identityLoginModel) {
			p.Password, c.Password = types.StringValue("new-password"), types.StringValue("new-password")
		}, credentials: true},
		{name: "a write-only password with a new version", login: func(p, c *identityLoginModel) {
			p.Password, c.Password = types.StringNull(), types.StringNull()
			c.PasswordWO, p.PasswordWOVersion, c.PasswordWOVersion = types.StringValue("wo"), types.Int64Value(2), types.Int64Value(2)
		}, credentials: true},
		{name: "an OIDC provider dropped", login: func(p, c *identityLoginModel) {
			p.OIDCProviders = oidcSet(t, kratosclient.OIDCProvider{Provider: "github", Subject: "1"})
			c.OIDCProviders = p.OIDCProviders
		}, unlink: true},
		{name: "an OIDC provider added", login: func(p, c *identityLoginModel) {
			p.OIDCProviders = oidcSet(t, kratosclient.OIDCProvider{Provider: "github", Subject: "1"},
				kratosclient.OIDCProvider{Provider: "google", Subject: "2"}, kratosclient.OIDCProvider{Provider: "gitlab", Subject: "3"})
			c.OIDCProviders = p.OIDCProviders
		}, credentials: true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			state, plan, config := prior(), prior(), prior()
			if tc.edit != nil {
				tc.edit(plan, config)
			}
			if tc.login != nil {
				var diags diag.Diagnostics
				planLogin, configLogin := plan.login(ctx, &diags), config.login(ctx, &diags)
				tc.login(&planLogin, &configLogin)
				plan.setLogin(ctx, planLogin, &diags)
				config.setLogin(ctx, configLogin, &diags)
				if diags.HasError() {
					t.Fatal(diags)
				}
			}
			c, diags := computeIdentityChanges(ctx, state, plan, config)
			if diags.HasError() {
				t.Fatal(diags)
			}
			got := []bool{len(c.patch) > 0, c.credentials != nil, len(c.unlink) > 0}
			want := []bool{tc.patch, tc.credentials, tc.unlink}
			names := []string{"patch", "credentials", "unlink"}
			for i := range got {
				if got[i] != want[i] {
					t.Errorf("%s = %t, want %t (patch %v)", names[i], got[i], want[i], c.patch)
				}
			}
			if !slices.Equal(c.verify, tc.verify) {
				t.Errorf("verify = %q, want %q", c.verify, tc.verify)
			}
		})
	}
}

// TestIdentityChangesRequests derives an update's requests from the changes in one place: without
// credentials, one patch of the document, the external ID and the verifications; with them, a PUT
// that carries the plan (and the external ID) and a patch of the verifications alone, computed
// from the addresses Kratos holds after the PUT.
func TestIdentityChangesRequests(t *testing.T) {
	ext := "legacy-7"
	plan := &identityResourceModel{}
	plan.SchemaID, plan.Traits, plan.State = types.StringValue("default"), newJSONValue(`{"email":"a@x.test"}`), types.StringValue("active")
	plan.MetadataPublic, plan.MetadataAdmin = jsonValue{StringValue: types.StringNull()}, jsonValue{StringValue: types.StringNull()}
	docOp := kratosclient.PatchOp{Op: "replace", Path: "/traits/email", Value: json.RawMessage(`"a@x.test"`)}
	current := []kratosclient.VerifiableAddress{{ID: "1", Value: "a@x.test", Via: "email"}}
	unlink := []kratosclient.OIDCProvider{{Provider: "github", Subject: "1"}}

	r := identityChanges{patch: []kratosclient.PatchOp{docOp}, externalID: &ext, verify: []string{"a@x.test"}, unlink: unlink}.requests(plan)
	ops := r.patch(current)
	if r.put != nil || len(ops) != 3 || ops[0].Path != docOp.Path || ops[1].Path != "/external_id" || ops[2].Path != "/verifiable_addresses" || !slices.Equal(r.unlink, unlink) {
		t.Errorf("without credentials: put %v, patch %v, unlink %v; want no PUT, the document, external ID and verification in one patch, the unlinks", r.put, ops, r.unlink)
	}

	creds := &kratosclient.CredentialsImport{Password: &kratosclient.PasswordImport{Config: kratosclient.PasswordImportConfig{Password: "pw"}}}
	r = identityChanges{patch: []kratosclient.PatchOp{docOp}, externalID: &ext, credentials: creds, verify: []string{"a@x.test"}}.requests(plan)
	if r.put == nil || r.put.Credentials != creds || r.put.ExternalID != &ext || string(r.put.Traits) != `{"email":"a@x.test"}` || r.put.SchemaID != "default" {
		t.Fatalf("with credentials: PUT %+v, want the plan's document, the credentials and the external ID", r.put)
	}
	if ops := r.patch(current); len(ops) != 1 || ops[0].Path != "/verifiable_addresses" {
		t.Errorf("with credentials: patch %v, want the verification alone (the PUT carried the document)", ops)
	}
	if ops := (identityRequests{}).patch(current); len(ops) != 0 {
		t.Errorf("no changes: patch %v, want none", ops)
	}
}
