package provider

import (
	"context"
	"fmt"
	"regexp"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/hashicorp/terraform-plugin-framework/ephemeral"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/kratos-tf/terraform-provider-kratos/internal/kratostest"
)

// sixDigits matches a recovery code.
var sixDigits = regexp.MustCompile(`^[0-9]{6}$`)

// TestAccRecoveryCodeEphemeralResource_basic opens recovery codes through the CLI for both flow
// types, completes both recovery flows through Kratos's public API with them, and rejects bad input.
func TestAccRecoveryCodeEphemeralResource_basic(t *testing.T) {
	identity := seedPasswordIdentity(t, uniqueEmail(t, "rcode"))
	code := func(name, body string) string {
		return fmt.Sprintf("ephemeral \"kratos_recovery_code\" %q {\n  identity_id = %q\n%s\n}\n", name, identity.ID, body)
	}
	data := tfjsonpath.New("data")
	testAccRunEphemeral(t, []resource.TestStep{
		{
			Config:      code("c", `expires_in = "0s"`) + echoConfig("ephemeral.kratos_recovery_code.c"),
			ExpectError: expectError("Invalid duration", `"0s" must be a positive Go duration`),
		},
		{
			Config:      code("c", `flow_type = "email"`) + echoConfig("ephemeral.kratos_recovery_code.c"),
			ExpectError: expectError("flow_type", `value must be one of: ["browser" "api"]`),
		},
		{
			Config:      `ephemeral "kratos_recovery_code" "c" { identity_id = "me" }` + "\n" + echoConfig("ephemeral.kratos_recovery_code.c"),
			ExpectError: expectError("identity_id", "must be a UUID"),
		},
		{
			Config: fmt.Sprintf("ephemeral \"kratos_recovery_code\" \"c\" { identity_id = %q }\n", uuid.NewString()) +
				echoConfig("ephemeral.kratos_recovery_code.c"),
			ExpectError: expectError("Identity not found", "answered 404", "Check identity_id."),
		},
		{
			Config: code("browser", "") +
				code("api", "  expires_in = \"15m\"\n  flow_type  = \"api\"\n  return_to  = \""+kratostest.UIURL+"/welcome\"") +
				echoConfig("{ browser = ephemeral.kratos_recovery_code.browser, api = ephemeral.kratos_recovery_code.api }"),
			ConfigStateChecks: []statecheck.StateCheck{
				statecheck.ExpectKnownValue("echo.test", data.AtMapKey("browser").AtMapKey("flow_type"), knownvalue.StringExact("browser")),
				statecheck.ExpectKnownValue("echo.test", data.AtMapKey("api").AtMapKey("flow_type"), knownvalue.StringExact("api")),
				statecheck.ExpectKnownValue("echo.test", data.AtMapKey("api").AtMapKey("identity_id"), knownvalue.StringExact(identity.ID)),
				statecheck.ExpectKnownValue("echo.test", data.AtMapKey("api").AtMapKey("recovery_code"), knownvalue.StringRegexp(sixDigits)),
				statecheck.ExpectKnownValue("echo.test", data.AtMapKey("api").AtMapKey("recovery_link"),
					knownvalue.StringRegexp(regexp.MustCompile("^"+regexp.QuoteMeta(kratostest.UIURL+"/recovery?flow=")))),
				statecheck.ExpectKnownValue("echo.test", data.AtMapKey("api").AtMapKey("expires_at"), expiresIn(15*time.Minute)),
				statecheck.ExpectKnownValue("echo.test", data.AtMapKey("browser").AtMapKey("expires_at"), expiresIn(time.Hour)),
				completeRecovery{key: "browser", complete: completeCode},
				completeRecovery{key: "api", complete: completeCode},
			},
		},
	})
}

// TestAccRecoveryEphemeralResources_open opens both recovery ephemeral resources in-process,
// without a CLI (so it runs with every CLI), completes the recovery flows with what they return,
// and checks the diagnostics for an unknown identity, which Kratos reports as 404 for codes but
// 400 for links.
func TestAccRecoveryEphemeralResources_open(t *testing.T) {
	testAccPreCheck(t)
	ctx := context.Background()
	pd := &providerData{client: testClient(t)}
	identity := seedPasswordIdentity(t, uniqueEmail(t, "ropen"))
	config := map[string]any{"identity_id": identity.ID, "expires_in": "10m"}

	var c recoveryCodeModel
	result, diags := openEphemeralInProcess(t, NewRecoveryCodeEphemeralResource(), pd, config)
	if diags.HasError() {
		t.Fatalf("open recovery code: %v", diags)
	}
	if d := result.Get(ctx, &c); d.HasError() {
		t.Fatal(d)
	}
	if c.FlowType.ValueString() != "browser" || !sixDigits.MatchString(c.RecoveryCode.ValueString()) {
		t.Errorf("flow_type = %s, recovery code matches %s: %v", c.FlowType, sixDigits, sixDigits.MatchString(c.RecoveryCode.ValueString()))
	}
	if err := testKratos.CompleteRecoveryCode(ctx, c.RecoveryLink.ValueString(), c.RecoveryCode.ValueString()); err != nil {
		t.Errorf("complete recovery with the code: %v", err)
	}

	var l recoveryLinkModel
	result, diags = openEphemeralInProcess(t, NewRecoveryLinkEphemeralResource(), pd, config)
	if diags.HasError() {
		t.Fatalf("open recovery link: %v", diags)
	}
	if d := result.Get(ctx, &l); d.HasError() {
		t.Fatal(d)
	}
	if err := testKratos.CompleteRecoveryLink(ctx, l.RecoveryLink.ValueString()); err != nil {
		t.Errorf("complete recovery with the link: %v", err)
	}
	if err := checkExpiresIn(l.ExpiresAt.ValueString(), 10*time.Minute); err != nil {
		t.Error(err)
	}

	unknown := map[string]any{"identity_id": uuid.NewString()}
	for _, r := range []ephemeral.EphemeralResource{NewRecoveryCodeEphemeralResource(), NewRecoveryLinkEphemeralResource()} {
		_, diags := openEphemeralInProcess(t, r, pd, unknown)
		if !hasAttributeError(diags, "identity_id", "Identity not found") {
			t.Errorf("%T with an unknown identity: want an Identity not found error on identity_id, got %v", r, diags)
		}
	}
}
