package provider

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/providerserver"
	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	"github.com/hashicorp/terraform-plugin-go/tftypes"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	"github.com/hashicorp/terraform-plugin-testing/tfversion"

	"github.com/kratos-tf/terraform-provider-kratos/internal/kratosclient"
	"github.com/kratos-tf/terraform-provider-kratos/internal/kratostest"
)

// actionVersionChecks skip a test on CLIs without actions: Terraform before 1.14 and OpenTofu,
// whose versions are below it.
var actionVersionChecks = []tfversion.TerraformVersionCheck{tfversion.SkipBelow(tfversion.Version1_14_0)}

// testAccRunActions runs steps on CLIs that have actions; terraform_data, which the steps use to
// trigger them, is built into the CLI.
func testAccRunActions(t *testing.T, steps []resource.TestStep) {
	t.Helper()
	resource.Test(t, resource.TestCase{
		PreCheck:                 func() { testAccPreCheck(t) },
		TerraformVersionChecks:   actionVersionChecks,
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps:                    steps,
	})
}

// actionTriggerConfig declares the action kratos_<actionType>.test with the config body and a
// terraform_data.trigger that invokes it whenever it is created or its input changes to round.
func actionTriggerConfig(actionType, body, round string) string {
	return fmt.Sprintf(`action "kratos_%s" "test" {
  config {
%s
  }
}

resource "terraform_data" "trigger" {
  input = %q
  lifecycle {
    action_trigger {
      events  = [after_create, after_update]
      actions = [action.kratos_%s.test]
    }
  }
}
`, actionType, body, round, actionType)
}

// invocation is what an action reported through the plugin protocol: its progress messages and final diagnostics.
type invocation struct {
	progress []string
	diags    []*tfprotov6.Diagnostic
}

// invokeAction configures the provider for the shared Kratos and invokes an action through the plugin
// protocol, as terraform apply -invoke does: terraform-plugin-testing v1.16.0 and terraform-exec
// v0.25.1 have no -invoke, and action_trigger runs do not show progress messages.
func invokeAction(t *testing.T, actionType string, config map[string]any) invocation {
	t.Helper()
	skipWithoutAcc(t)
	ctx := t.Context()
	server, ok := providerserver.NewProtocol6(New("test")())().(tfprotov6.ActionServer)
	if !ok {
		t.Fatal("the provider server does not serve actions")
	}
	provider, ok := server.(tfprotov6.ProviderServer)
	if !ok {
		t.Fatal("the action server is not a provider server")
	}
	schemas, err := provider.GetProviderSchema(ctx, &tfprotov6.GetProviderSchemaRequest{})
	if err != nil || len(schemas.Diagnostics) > 0 {
		t.Fatalf("GetProviderSchema: %v %v", err, schemas.Diagnostics)
	}
	pType, pValue := configValue(t, schemas.Provider.ValueType(), map[string]any{"admin_url": testKratos.AdminURL, "public_url": testKratos.PublicURL})
	pConfig, err := tfprotov6.NewDynamicValue(pType, pValue)
	if err != nil {
		t.Fatal(err)
	}
	configured, err := provider.ConfigureProvider(ctx, &tfprotov6.ConfigureProviderRequest{Config: &pConfig})
	if err != nil || len(configured.Diagnostics) > 0 {
		t.Fatalf("ConfigureProvider: %v %v", err, configured.Diagnostics)
	}
	s, ok := schemas.ActionSchemas["kratos_"+actionType]
	if !ok {
		t.Fatalf("the provider has no action kratos_%s", actionType)
	}
	aType, aValue := configValue(t, s.Schema.ValueType(), config)
	aConfig, err := tfprotov6.NewDynamicValue(aType, aValue)
	if err != nil {
		t.Fatal(err)
	}
	validated, err := server.ValidateActionConfig(ctx, &tfprotov6.ValidateActionConfigRequest{ActionType: "kratos_" + actionType, Config: &aConfig})
	if err != nil {
		t.Fatal(err)
	}
	if len(validated.Diagnostics) > 0 {
		return invocation{diags: validated.Diagnostics}
	}
	// Terraform plans an action before it invokes it.
	planned, err := server.PlanAction(ctx, &tfprotov6.PlanActionRequest{ActionType: "kratos_" + actionType, Config: &aConfig})
	if err != nil {
		t.Fatal(err)
	}
	if len(planned.Diagnostics) > 0 {
		return invocation{diags: planned.Diagnostics}
	}
	stream, err := server.InvokeAction(ctx, &tfprotov6.InvokeActionRequest{ActionType: "kratos_" + actionType, Config: &aConfig})
	if err != nil {
		t.Fatal(err)
	}
	var out invocation
	for e := range stream.Events {
		switch ev := e.Type.(type) {
		case tfprotov6.ProgressInvokeActionEventType:
			out.progress = append(out.progress, ev.Message)
		case tfprotov6.CompletedInvokeActionEventType:
			out.diags = ev.Diagnostics
		}
	}
	for _, m := range out.progress {
		t.Logf("progress: %s", m)
	}
	for _, d := range out.diags {
		t.Logf("%s: %s: %s (%v)", d.Severity, d.Summary, d.Detail, d.Attribute)
	}
	return out
}

// check fails the test unless the invocation has exactly the diagnostics want, each given as
// "error|warning: summary @ attribute", and a progress message matching each pattern in progress.
func (inv invocation) check(t *testing.T, want []string, progress ...string) {
	t.Helper()
	var got []string
	for _, d := range inv.diags {
		at := ""
		if d.Attribute != nil {
			at = " @ " + attributePathText(d.Attribute)
		}
		got = append(got, fmt.Sprintf("%s: %s%s", strings.ToLower(d.Severity.String()), d.Summary, at))
	}
	slices.Sort(got)
	want = slices.Sorted(slices.Values(want))
	if !slices.Equal(got, want) {
		t.Errorf("diagnostics = %q, want %q", got, want)
	}
	for _, p := range progress {
		re := regexp.MustCompile(p)
		if !slices.ContainsFunc(inv.progress, re.MatchString) {
			t.Errorf("no progress message matches %q; got %q", p, inv.progress)
		}
	}
}

// attributePathText renders a protocol attribute path as Terraform does, such as types["password"].
func attributePathText(p *tftypes.AttributePath) string {
	var b strings.Builder
	for _, step := range p.Steps() {
		switch s := step.(type) {
		case tftypes.AttributeName:
			if b.Len() > 0 {
				b.WriteString(".")
			}
			b.WriteString(string(s))
		case tftypes.ElementKeyString:
			fmt.Fprintf(&b, "[%q]", string(s))
		case tftypes.ElementKeyInt:
			fmt.Fprintf(&b, "[%d]", int64(s))
		case tftypes.ElementKeyValue:
			var v string
			if tftypes.Value(s).As(&v) == nil {
				fmt.Fprintf(&b, "[%q]", v)
			} else {
				b.WriteString("[?]")
			}
		}
	}
	return b.String()
}

// checkWhoami checks the HTTP status that Kratos's public /sessions/whoami answers for a session
// token: 200 usable, 401 revoked or unknown, 403 missing the second factor its identity has.
func checkWhoami(token string, want int) resource.TestCheckFunc {
	return func(*terraform.State) error {
		got, err := testKratos.Whoami(context.Background(), token)
		if err != nil {
			return err
		}
		if got != want {
			return fmt.Errorf("whoami for the session token = HTTP %d, want %d", got, want)
		}
		return nil
	}
}

// checkWhoamiNow is checkWhoami run at once, outside a test step.
func checkWhoamiNow(t *testing.T, token string, want int) {
	t.Helper()
	if err := checkWhoami(token, want)(nil); err != nil {
		t.Fatal(err)
	}
}

// checkCredentialTypes checks through the admin API which credential types the identity has: all
// of present, none of absent. An oidc credential without identifiers counts as absent.
func checkCredentialTypes(t *testing.T, identityID string, present, absent []string) resource.TestCheckFunc {
	return func(*terraform.State) error {
		identity, err := testClient(t).GetIdentity(t.Context(), identityID)
		if err != nil {
			return err
		}
		has := func(typ string) bool {
			c, ok := identity.Credentials[typ]
			return ok && (typ != credentialOIDC || len(c.Identifiers) > 0)
		}
		for _, typ := range present {
			if !has(typ) {
				return fmt.Errorf("identity %s has no %s credential; it has %v", identityID, typ, credentialTypeNames(identity))
			}
		}
		for _, typ := range absent {
			if has(typ) {
				return fmt.Errorf("identity %s still has a %s credential", identityID, typ)
			}
		}
		return nil
	}
}

// checkOIDCIdentifiers checks through the admin API which OIDC providers are linked to the identity.
func checkOIDCIdentifiers(t *testing.T, identityID string, want ...string) resource.TestCheckFunc {
	return func(*terraform.State) error {
		identity, err := testClient(t).GetIdentity(t.Context(), identityID)
		if err != nil {
			return err
		}
		got := slices.Sorted(slices.Values(identity.Credentials[credentialOIDC].Identifiers))
		if !slices.Equal(got, sortedCopy(want...)) {
			return fmt.Errorf("identity %s links %v, want %v", identityID, got, want)
		}
		return nil
	}
}

// credentialTypeNames lists the identity's credential types, sorted.
func credentialTypeNames(identity *kratosclient.Identity) []string {
	names := make([]string, 0, len(identity.Credentials))
	for typ := range identity.Credentials {
		names = append(names, typ)
	}
	slices.Sort(names)
	return names
}

// seedSecondFactors creates an identity that signs in with its email and testPassword and has
// enrolled lookup secrets and TOTP through the self-service settings flow, as a user would.
// It returns the identity and its email, after checking that a password-only session is refused.
func seedSecondFactors(t *testing.T, prefix string) (*kratosclient.Identity, string) {
	t.Helper()
	email := uniqueEmail(t, prefix)
	return seedSecondFactorsFor(t, email), email
}

// seedSecondFactorsFor is seedSecondFactors with the given email.
func seedSecondFactorsFor(t *testing.T, email string) *kratosclient.Identity {
	t.Helper()
	identity := seedPasswordIdentity(t, email)
	logins := seedLogins(t, email, 1)
	ctx := t.Context()
	if _, err := testKratos.EnrolLookupSecrets(ctx, logins[0].SessionToken); err != nil {
		t.Fatal(err)
	}
	if _, err := testKratos.EnrolTOTP(ctx, logins[0].SessionToken); err != nil {
		t.Fatal(err)
	}
	checkWhoamiNow(t, seedLogins(t, email, 1)[0].SessionToken, 403)
	return identity
}

// actionExample returns the text of examples/actions/<name>/<file>.
func actionExample(t *testing.T, name, file string) string {
	t.Helper()
	src, err := os.ReadFile(filepath.Join("..", "..", "examples", "actions", name, file))
	if err != nil {
		t.Fatal(err)
	}
	return string(src)
}

// identitySessionCount returns how many sessions, active or not, the identity has.
func identitySessionCount(t *testing.T, identityID string) (int, error) {
	sessions, err := kratosclient.Collect(testClient(t).ListIdentitySessions(t.Context(), identityID, kratosclient.ListIdentitySessionsParams{}))
	return len(sessions), err
}

// checkPasswordAloneSignsIn checks that a sign-in with the password alone gives a session that
// Kratos accepts, which it refuses while the identity has a second factor.
func checkPasswordAloneSignsIn(t *testing.T, email string) resource.TestCheckFunc {
	return func(s *terraform.State) error {
		login, err := testKratos.Login(t.Context(), email, testPassword)
		if err != nil {
			return err
		}
		return checkWhoami(login.SessionToken, 200)(s)
	}
}

// newLogin signs in once more and stores the session in *into, for a later step's checks.
func newLogin(t *testing.T, email string, into **kratostest.LoginResult) func() {
	return func() { *into = seedLogins(t, email, 1)[0] }
}

// recentTime checks an RFC 3339 time within the last minute.
func recentTime() knownvalue.Check {
	return knownvalue.StringFunc(func(v string) error {
		at, err := time.Parse(time.RFC3339, v)
		if err != nil {
			return err
		}
		if age := time.Since(at); age < -time.Second || age > time.Minute {
			return fmt.Errorf("%s is %s ago, want within the last minute", v, age.Round(time.Second))
		}
		return nil
	})
}

// uuidValue checks that a value is a UUID.
var uuidValue = knownvalue.StringRegexp(uuidPattern)

// randomUUID is a syntactically valid ID that Kratos does not know.
const randomUUID = "3f9c8a52-1b7e-4d2a-9c1f-6e2b5d8a7c40"

// loginWithNewPassword gives the identity with this email testPassword through the admin API
// and signs it in once.
func loginWithNewPassword(t *testing.T, email string) *kratostest.LoginResult {
	t.Helper()
	ctx := t.Context()
	client := testClient(t)
	found, err := kratosclient.Collect(client.ListIdentities(ctx, kratosclient.ListIdentitiesParams{CredentialsIdentifier: email}))
	if err != nil || len(found) != 1 {
		t.Fatalf("look up %s: %d identities, %v", email, len(found), err)
	}
	body := seedBody(email)
	_, err = client.UpdateIdentity(ctx, found[0].ID, kratosclient.UpdateIdentityBody{
		SchemaID: found[0].SchemaID, Traits: found[0].Traits, State: found[0].State, Credentials: body.Credentials,
	})
	if err != nil {
		t.Fatalf("set the password of %s: %v", email, err)
	}
	return seedLogins(t, email, 1)[0]
}
