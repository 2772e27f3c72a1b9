package provider

import (
	"fmt"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"

	"github.com/kratos-tf/terraform-provider-kratos/internal/kratosclient"
	"github.com/kratos-tf/terraform-provider-kratos/internal/kratostest"
)

// TestAccDeleteCredentialsAction_trigger resets the second factors that a user enrolled through
// the settings flow, from an action_trigger: they are gone and the password alone signs in.
func TestAccDeleteCredentialsAction_trigger(t *testing.T) {
	identity, email := seedSecondFactors(t, "delete-action")
	body := fmt.Sprintf("    identity_id = %q\n    types = [\"totp\", \"lookup_secret\"]", identity.ID)
	testAccRunActions(t, []resource.TestStep{{
		Config: actionTriggerConfig("delete_credentials", body, "1"),
		Check: resource.ComposeAggregateTestCheckFunc(
			checkCredentialTypes(t, identity.ID, []string{"password"}, []string{credentialTOTP, credentialLookupSecret}),
			checkPasswordAloneSignsIn(t, email),
		),
	}})
}

// TestAccDeleteCredentialsAction_errors proves the plan-time refusals and that an unknown identity fails the apply.
func TestAccDeleteCredentialsAction_errors(t *testing.T) {
	cfg := func(types, extra, round string) string {
		return actionTriggerConfig("delete_credentials", fmt.Sprintf("    identity_id = %q\n    types = %s\n%s", randomUUID, types, extra), round)
	}
	// v1.x refuses a password at plan time; later releases plan it, and the unknown identity fails the apply.
	password := expectError("Credential type cannot be deleted", `"password" cannot be deleted`, "first factor")
	if kratostest.Version() != kratostest.V1 {
		password = expectError("Identity not found", "Kratos has no identity "+randomUUID)
	}
	testAccRunActions(t, []resource.TestStep{
		{
			Config:      cfg(`["password", "totp"]`, "", "1"),
			ExpectError: password,
		},
		{
			Config:      cfg(`["passkey"]`, "", "1"),
			ExpectError: expectError("Credential type cannot be deleted", `"passkey" cannot be deleted`, "cannot delete passkeys"),
		},
		{
			Config:      cfg(`["lookup"]`, "", "1"),
			ExpectError: expectError("Unknown credential type", "lookup_secret, totp, webauthn, oidc, saml, password"),
		},
		{
			Config:      cfg(`[]`, "", "1"),
			ExpectError: expectError("types", "at least 1"),
		},
		{
			Config:      cfg(`["totp"]`, `    oidc_identifiers = ["github:1"]`, "1"),
			ExpectError: expectError("oidc_identifiers without oidc"),
		},
		{
			Config:      cfg(`["oidc"]`, `    oidc_identifiers = ["github"]`, "1"),
			ExpectError: expectError("Invalid OIDC identifier", "provider:subject"),
		},
		{
			// A new round, so that the action runs even where the first step's apply got that far.
			Config:      cfg(`["totp"]`, "", "2"),
			ExpectError: expectError("Identity not found", "Kratos has no identity "+randomUUID),
		},
	})
}

// TestAccDeleteCredentialsAction_invoke invokes the action through the plugin protocol and checks
// its progress messages, the warnings for what the identity lacks, and OIDC unlinking.
func TestAccDeleteCredentialsAction_invoke(t *testing.T) {
	identity, email := seedSecondFactors(t, "delete-invoke")
	all := []string{credentialLookupSecret, credentialOIDC, credentialTOTP, credentialWebAuthn}
	invokeAction(t, "delete_credentials", map[string]any{"identity_id": identity.ID, "types": all}).check(t,
		[]string{"warning: Credential not set up @ types", "warning: Credential not set up @ types"},
		`^Deleted the lookup_secret credential of identity `+identity.ID+`\.$`,
		`^Deleted the totp credential of identity `+identity.ID+`\.$`)
	if err := checkPasswordAloneSignsIn(t, email)(nil); err != nil {
		t.Error(err)
	}
	// Resetting twice is not an error.
	invokeAction(t, "delete_credentials", map[string]any{"identity_id": identity.ID, "types": []string{credentialTOTP}}).
		check(t, []string{"warning: Credential not set up @ types"}, `had none of the credentials to delete; nothing changed\.$`)

	linked, _ := oidcIdentity(t, "delete-invoke-oidc", "github:1", "google:2", "gitlab:3")
	invokeAction(t, "delete_credentials", map[string]any{"identity_id": linked.ID, "types": []string{credentialOIDC}, "oidc_identifiers": []string{"github:1", "github:9"}}).
		check(t, []string{"warning: OIDC provider not linked @ oidc_identifiers"}, `^Unlinked OIDC provider github:1 from identity `+linked.ID+`\.$`)
	if err := checkOIDCIdentifiers(t, linked.ID, "gitlab:3", "google:2")(nil); err != nil {
		t.Error(err)
	}
	invokeAction(t, "delete_credentials", map[string]any{"identity_id": linked.ID, "types": []string{credentialOIDC}}).
		check(t, nil, `^Unlinked OIDC provider gitlab:3 `, `^Unlinked OIDC provider google:2 `)
	if err := checkCredentialTypes(t, linked.ID, []string{"password"}, []string{credentialOIDC})(nil); err != nil {
		t.Error(err)
	}
	invokeAction(t, "delete_credentials", map[string]any{"identity_id": linked.ID, "types": []string{credentialOIDC}}).
		check(t, []string{"warning: Credential not set up @ types"})

	invokeAction(t, "delete_credentials", map[string]any{"identity_id": randomUUID, "types": []string{credentialTOTP}}).
		check(t, []string{"error: Identity not found @ identity_id"})
	// The password is now the identity's only first factor: v1.x refuses it at plan time, later
	// releases when it is deleted.
	refusal := `error: Credential type cannot be deleted on this Kratos @ types["password"]`
	if kratostest.Version() != kratostest.V1 {
		refusal = "error: Last sign-in method @ types"
	}
	invokeAction(t, "delete_credentials", map[string]any{"identity_id": identity.ID, "types": []string{"password"}}).
		check(t, []string{refusal})
	if err := checkPasswordAloneSignsIn(t, email)(nil); err != nil {
		t.Error(err)
	}
}

// TestAccDeleteCredentialsAction_example applies the example as written: its trigger resets Ada's second factors.
func TestAccDeleteCredentialsAction_example(t *testing.T) {
	ada := seedSecondFactorsFor(t, "ada@example.org")
	grace := oidcIdentityFor(t, "grace@example.org", "github:123456")
	testAccRunActions(t, []resource.TestStep{{
		Config: actionExample(t, "kratos_delete_credentials", "action.tf"),
		Check: resource.ComposeAggregateTestCheckFunc(
			checkCredentialTypes(t, ada.ID, []string{"password"}, []string{credentialTOTP, credentialLookupSecret}),
			checkPasswordAloneSignsIn(t, "ada@example.org"),
			// grace_github is invoked only on demand.
			checkOIDCIdentifiers(t, grace.ID, "github:123456"),
		),
	}})
}

// oidcIdentity creates an identity with testPassword and the given linked providers
// (provider:subject), and returns it and its email.
func oidcIdentity(t *testing.T, prefix string, identifiers ...string) (*kratosclient.Identity, string) {
	t.Helper()
	email := uniqueEmail(t, prefix)
	return oidcIdentityFor(t, email, identifiers...), email
}

// oidcIdentityFor is oidcIdentity with the given email.
func oidcIdentityFor(t *testing.T, email string, identifiers ...string) *kratosclient.Identity {
	t.Helper()
	body := seedBody(email)
	var providers []kratosclient.OIDCProvider
	for _, id := range identifiers {
		provider, subject, _ := strings.Cut(id, ":")
		providers = append(providers, kratosclient.OIDCProvider{Provider: provider, Subject: subject})
	}
	body.Credentials.OIDC = &kratosclient.OIDCImport{Config: kratosclient.OIDCImportConfig{Providers: providers}}
	return seedIdentity(t, body)
}
