package provider

import (
	"context"
	"fmt"
	"regexp"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/kratos-tf/terraform-provider-kratos/internal/kratostest"
)

// TestAccRecoveryLinkEphemeralResource_basic opens a recovery link through the CLI, completes the
// recovery flow by opening it, and maps Kratos's 400 for an unknown identity and a disallowed
// return URL to the attributes.
func TestAccRecoveryLinkEphemeralResource_basic(t *testing.T) {
	identity := seedPasswordIdentity(t, uniqueEmail(t, "rlink"))
	link := func(identityID, body string) string {
		return fmt.Sprintf("ephemeral \"kratos_recovery_link\" \"l\" {\n  identity_id = %q\n%s\n}\n", identityID, body) +
			echoConfig("ephemeral.kratos_recovery_link.l")
	}
	data := tfjsonpath.New("data")
	testAccRunEphemeral(t, []resource.TestStep{
		{
			Config:      link(identity.ID, `expires_in = "an hour"`),
			ExpectError: expectError("Invalid duration", `"an hour" must be a positive Go duration`),
		},
		{
			Config:      link(uuid.NewString(), ""),
			ExpectError: expectError("Identity not found", "answered 400", "The requested identity id does not exist."),
		},
		{
			Config:      link(identity.ID, `return_to = "https://elsewhere.example/"`),
			ExpectError: expectError("Return URL not allowed", "selfservice.allowed_return_urls"),
		},
		{
			Config: link(identity.ID, "  expires_in = \"20m\"\n  return_to  = \""+kratostest.UIURL+"/welcome\""),
			ConfigStateChecks: []statecheck.StateCheck{
				statecheck.ExpectKnownValue("echo.test", data.AtMapKey("identity_id"), knownvalue.StringExact(identity.ID)),
				statecheck.ExpectKnownValue("echo.test", data.AtMapKey("recovery_link"),
					knownvalue.StringRegexp(regexp.MustCompile("^"+regexp.QuoteMeta(testKratos.PublicURL+"/self-service/recovery?")))),
				statecheck.ExpectKnownValue("echo.test", data.AtMapKey("expires_at"), expiresIn(20*time.Minute)),
				completeRecovery{key: "", complete: completeLink},
			},
		},
	})
}

// TestAccRecoveryLinkEphemeralResource_disabled uses a Kratos of its own with the link method
// disabled (Kratos's default), where Kratos answers 404, and checks that the diagnostic says how
// to enable it: in-process first (so every CLI runs it), then through the CLI.
func TestAccRecoveryLinkEphemeralResource_disabled(t *testing.T) {
	testAccPreCheck(t)
	off := false
	inst := kratostest.StartT(t, kratostest.Options{LinkRecovery: &off})
	client := instanceClient(t, inst, nil)
	identity, err := client.CreateIdentity(context.Background(), seedBody(uniqueEmail(t, "rdisabled")))
	if err != nil {
		t.Fatal(err)
	}
	_, diags := openEphemeralInProcess(t, NewRecoveryLinkEphemeralResource(), &providerData{client: client},
		map[string]any{"identity_id": identity.ID})
	if len(diags.Errors()) != 1 || diags.Errors()[0].Summary() != "Recovery by link disabled in Kratos" {
		t.Fatalf("want one error Recovery by link disabled in Kratos, got %v", diags)
	}
	resource.Test(t, resource.TestCase{
		TerraformVersionChecks:   ephemeralVersionChecks,
		ProtoV6ProviderFactories: testAccEchoProviderFactories(),
		Steps: []resource.TestStep{{
			Config: instanceProviderConfig(inst) +
				fmt.Sprintf("ephemeral \"kratos_recovery_link\" \"l\" { identity_id = %q }\n", identity.ID) +
				echoConfig("ephemeral.kratos_recovery_link.l"),
			ExpectError: expectError("Recovery by link disabled in Kratos", "answered 404",
				"This endpoint was disabled by system administrator", "selfservice.methods.link.enabled: true", "kratos_recovery_code"),
		}},
	})
}
