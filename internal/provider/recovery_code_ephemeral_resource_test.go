package provider

import (
	"context"
	"fmt"
	"maps"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/hashicorp/go-version"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/ephemeral"
	"github.com/hashicorp/terraform-plugin-framework/tfsdk"
	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	"github.com/hashicorp/terraform-plugin-go/tftypes"
	"github.com/hashicorp/terraform-plugin-testing/echoprovider"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"
	"github.com/hashicorp/terraform-plugin-testing/tfversion"

	"github.com/kratos-tf/terraform-provider-kratos/internal/kratostest"
)

// ephemeralVersionChecks skip a test on CLIs without ephemeral resources (Terraform before 1.10;
// OpenTofu 1.11 and later report versions above it).
var ephemeralVersionChecks = []tfversion.TerraformVersionCheck{tfversion.SkipBelow(version.Must(version.NewVersion("1.10.0")))}

// testAccEchoProviderFactories adds the echo provider, which copies an ephemeral value into
// state so that a test can use it; only tests do that.
func testAccEchoProviderFactories() map[string]func() (tfprotov6.ProviderServer, error) {
	f := maps.Clone(testAccProtoV6ProviderFactories)
	f["echo"] = echoprovider.NewProviderServer()
	return f
}

// echoConfig passes the expression to the echo provider and stores it as echo.test's data.
func echoConfig(expr string) string {
	return fmt.Sprintf("provider \"echo\" {\n  data = %s\n}\n\nresource \"echo\" \"test\" {}\n", expr)
}

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
	resource.Test(t, resource.TestCase{
		PreCheck:                 func() { testAccPreCheck(t) },
		TerraformVersionChecks:   ephemeralVersionChecks,
		ProtoV6ProviderFactories: testAccEchoProviderFactories(),
		Steps: []resource.TestStep{
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

// completeRecovery is a state check that completes a recovery flow with the ephemeral values the
// echo provider stored under data.<key>, or in data itself when key is empty.
type completeRecovery struct {
	key      string
	complete func(ctx context.Context, values map[string]any) error
}

// CheckState finds echo.test's data and completes the flow.
func (c completeRecovery) CheckState(ctx context.Context, req statecheck.CheckStateRequest, resp *statecheck.CheckStateResponse) {
	for _, r := range req.State.Values.RootModule.Resources {
		if r.Address != "echo.test" {
			continue
		}
		values, ok := r.AttributeValues["data"].(map[string]any)
		if c.key != "" {
			values, ok = values[c.key].(map[string]any)
		}
		if !ok {
			resp.Error = fmt.Errorf("echo.test has no data.%s", c.key)
			return
		}
		if err := c.complete(ctx, values); err != nil {
			resp.Error = fmt.Errorf("data.%s: %w", c.key, err)
		}
		return
	}
	resp.Error = fmt.Errorf("echo.test not in state")
}

// completeCode completes the recovery flow with a kratos_recovery_code result.
func completeCode(ctx context.Context, v map[string]any) error {
	link, _ := v["recovery_link"].(string)
	code, _ := v["recovery_code"].(string)
	return testKratos.CompleteRecoveryCode(ctx, link, code)
}

// completeLink completes the recovery flow with a kratos_recovery_link result.
func completeLink(ctx context.Context, v map[string]any) error {
	link, _ := v["recovery_link"].(string)
	return testKratos.CompleteRecoveryLink(ctx, link)
}

// expiresIn checks an RFC 3339 expiry about d from now.
func expiresIn(d time.Duration) knownvalue.Check {
	return knownvalue.StringFunc(func(v string) error { return checkExpiresIn(v, d) })
}

// checkExpiresIn checks that the RFC 3339 time v is about d from now (a test takes far less than a minute).
func checkExpiresIn(v string, d time.Duration) error {
	at, err := time.Parse(time.RFC3339, v)
	if err != nil {
		return err
	}
	if left := time.Until(at); left > d || left < d-time.Minute {
		return fmt.Errorf("expires_at %s is %s from now, want about %s", v, left.Round(time.Second), d)
	}
	return nil
}

// openEphemeralInProcess configures r with pd and runs its Open with config (see configValue).
func openEphemeralInProcess(tb testing.TB, r ephemeral.EphemeralResource, pd *providerData, config map[string]any) (tfsdk.EphemeralResultData, diag.Diagnostics) {
	tb.Helper()
	ctx := context.Background()
	var sresp ephemeral.SchemaResponse
	r.Schema(ctx, ephemeral.SchemaRequest{}, &sresp)
	if c, ok := r.(ephemeral.EphemeralResourceWithConfigure); ok {
		var cresp ephemeral.ConfigureResponse
		c.Configure(ctx, ephemeral.ConfigureRequest{ProviderData: pd}, &cresp)
		if cresp.Diagnostics.HasError() {
			tb.Fatalf("configure: %v", cresp.Diagnostics)
		}
	}
	objType, raw := configValue(tb, sresp.Schema.Type().TerraformType(ctx), config)
	resp := ephemeral.OpenResponse{Result: tfsdk.EphemeralResultData{Schema: sresp.Schema, Raw: tftypes.NewValue(objType, nil)}}
	r.Open(ctx, ephemeral.OpenRequest{Config: tfsdk.Config{Schema: sresp.Schema, Raw: raw}}, &resp)
	return resp.Result, resp.Diagnostics
}

// hasAttributeError reports whether diags has an error on the root attribute whose summary is summary.
func hasAttributeError(diags diag.Diagnostics, attribute, summary string) bool {
	for _, d := range diags.Errors() {
		wp, ok := d.(diag.DiagnosticWithPath)
		if ok && d.Summary() == summary && strings.TrimSpace(wp.Path().String()) == attribute {
			return true
		}
	}
	return false
}
