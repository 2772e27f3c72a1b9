package provider

import (
	"fmt"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
)

// TestAccExtendSessionAction_trigger extends a session from an action_trigger, twice, and checks
// that each run moves its expiry later.
func TestAccExtendSessionAction_trigger(t *testing.T) {
	_, _, logins := seedSessions(t, "extend-action", 1)
	id := logins[0].SessionID
	body := fmt.Sprintf("    session_id = %q", id)
	expiry := sessionExpiry(t, id)
	testAccRunActions(t, []resource.TestStep{
		{Config: actionTriggerConfig("extend_session", body, "1"), Check: checkExpiryMovedLater(t, id, &expiry)},
		{Config: actionTriggerConfig("extend_session", body, "2"), Check: checkExpiryMovedLater(t, id, &expiry)},
	})
	checkWhoamiNow(t, logins[0].SessionToken, 200)
}

// TestAccExtendSessionAction_errors proves that a malformed ID fails at plan time and an unknown session fails the apply.
func TestAccExtendSessionAction_errors(t *testing.T) {
	testAccRunActions(t, []resource.TestStep{
		{
			Config:      actionTriggerConfig("extend_session", `    session_id = "not-a-uuid"`, "1"),
			ExpectError: expectError("must be a UUID"),
		},
		{
			Config:      actionTriggerConfig("extend_session", fmt.Sprintf("    session_id = %q", randomUUID), "2"),
			ExpectError: expectError("Session not found", "Kratos has no session "+randomUUID),
		},
	})
}

// TestAccExtendSessionAction_invoke invokes the action through the plugin protocol and checks its
// progress message, and the warning for a revoked session, which Kratos extends all the same.
func TestAccExtendSessionAction_invoke(t *testing.T) {
	identity, _, logins := seedSessions(t, "extend-invoke", 1)
	id := logins[0].SessionID
	expiry := sessionExpiry(t, id)
	invokeAction(t, "extend_session", map[string]any{"session_id": id}).
		check(t, nil, `^Extended session `+id+` of identity `+identity.ID+`: it now expires at \S+ instead of `+expiry+`\.$`)
	if err := checkExpiryMovedLater(t, id, &expiry)(nil); err != nil {
		t.Error(err)
	}
	revokeSession(t, id)
	invokeAction(t, "extend_session", map[string]any{"session_id": id}).
		check(t, []string{"warning: Extended session is not active @ session_id"}, `^Extended session `+id)
	checkWhoamiNow(t, logins[0].SessionToken, 401)
	invokeAction(t, "extend_session", map[string]any{"session_id": randomUUID}).
		check(t, []string{"error: Session not found @ session_id"})
}

// TestAccExtendSessionAction_example applies the example as written; its trigger extends Ada's session.
func TestAccExtendSessionAction_example(t *testing.T) {
	seedPasswordIdentity(t, "ada@example.org")
	id := seedLogins(t, "ada@example.org", 1)[0].SessionID
	expiry := sessionExpiry(t, id)
	testAccRunActions(t, []resource.TestStep{{
		Config: actionExample(t, "kratos_extend_session", "action.tf"),
		Check:  checkExpiryMovedLater(t, id, &expiry),
	}})
}

// sessionExpiry reads a session's expires_at through the admin API.
func sessionExpiry(t *testing.T, id string) string {
	t.Helper()
	s, err := testClient(t).GetSession(t.Context(), id)
	if err != nil {
		t.Fatal(err)
	}
	return s.ExpiresAt
}

// checkExpiryMovedLater checks that the session now expires after *prev, then records the new expiry in *prev.
func checkExpiryMovedLater(t *testing.T, id string, prev *string) resource.TestCheckFunc {
	return func(*terraform.State) error {
		s, err := testClient(t).GetSession(t.Context(), id)
		if err != nil {
			return err
		}
		if !isAfter(s.ExpiresAt, *prev) {
			return fmt.Errorf("session %s expires at %s, not later than %s", id, s.ExpiresAt, *prev)
		}
		*prev = s.ExpiresAt
		return nil
	}
}
