package provider

import (
	"fmt"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"
)

// sessionExtensionConfig extends the session with triggers = { round = round }.
func sessionExtensionConfig(sessionID, round string) string {
	return fmt.Sprintf(`resource "kratos_session_extension" "test" {
  session_id = %q
  triggers = {
    round = %q
  }
}
`, sessionID, round)
}

// TestAccSessionExtensionResource_basic extends a session on create and again when triggers change,
// each time moving expires_at later, and refreshes expires_at from Kratos.
func TestAccSessionExtensionResource_basic(t *testing.T) {
	_, _, logins := seedSessions(t, "extension", 1)
	id := logins[0].SessionID
	const name = "kratos_session_extension.test"
	expiry := sessionExpiry(t, id)
	stateExpiry := func(s *terraform.State) error {
		return resource.TestCheckResourceAttr(name, "expires_at", expiry)(s)
	}
	testAccRun(t, []resource.TestStep{
		{
			Config: sessionExtensionConfig(id, "1"),
			Check:  resource.ComposeAggregateTestCheckFunc(checkExpiryMovedLater(t, id, &expiry), stateExpiry),
			ConfigStateChecks: []statecheck.StateCheck{
				statecheck.ExpectKnownValue(name, tfjsonpath.New("id"), uuidValue),
				statecheck.ExpectKnownValue(name, tfjsonpath.New("session_id"), knownvalue.StringExact(id)),
			},
			ConfigPlanChecks: resource.ConfigPlanChecks{PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()}},
		},
		{
			// Extended out of band: the refresh reads the new expiry, and plans no change.
			PreConfig: func() { extendSessionOutOfBand(t, id) },
			Config:    sessionExtensionConfig(id, "1"),
			ConfigPlanChecks: resource.ConfigPlanChecks{
				PreApply: []plancheck.PlanCheck{plancheck.ExpectResourceAction(name, plancheck.ResourceActionNoop)},
			},
			Check: resource.ComposeAggregateTestCheckFunc(checkExpiryMovedLater(t, id, &expiry), stateExpiry),
		},
		{
			Config: sessionExtensionConfig(id, "2"),
			ConfigPlanChecks: resource.ConfigPlanChecks{
				PreApply: []plancheck.PlanCheck{plancheck.ExpectResourceAction(name, plancheck.ResourceActionDestroyBeforeCreate)},
			},
			Check: resource.ComposeAggregateTestCheckFunc(checkExpiryMovedLater(t, id, &expiry), stateExpiry, checkWhoami(logins[0].SessionToken, 200)),
		},
	})
}

// TestAccSessionExtensionResource_errors proves that a malformed ID fails at plan time and an unknown session fails the apply.
func TestAccSessionExtensionResource_errors(t *testing.T) {
	testAccRun(t, []resource.TestStep{
		{Config: sessionExtensionConfig("not-a-uuid", "1"), ExpectError: expectError("must be a UUID")},
		{Config: sessionExtensionConfig(randomUUID, "1"), ExpectError: expectError("Session not found", "Kratos has no session "+randomUUID)},
	})
}

// extendSessionOutOfBand extends the session through the admin API.
func extendSessionOutOfBand(t *testing.T, id string) {
	t.Helper()
	if _, err := testClient(t).ExtendSession(t.Context(), id); err != nil {
		t.Fatalf("extend session %s: %v", id, err)
	}
}
