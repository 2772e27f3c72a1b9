package provider

import (
	"errors"
	"fmt"
	"testing"

	"github.com/hashicorp/go-version"
	"github.com/hashicorp/terraform-plugin-testing/config"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	"github.com/hashicorp/terraform-plugin-testing/tfversion"

	"github.com/kratos-tf/terraform-provider-kratos/internal/kratostest"
)

// TestAccRevokeSessionsAction_trigger revokes every session of an identity from an action_trigger,
// again when the trigger fires again, and leaves another identity's session working.
func TestAccRevokeSessionsAction_trigger(t *testing.T) {
	identity, email, logins := seedSessions(t, "revoke-action", 2)
	_, _, bystander := seedSessions(t, "revoke-action-bystander", 1)
	body := fmt.Sprintf("    identity_id = %q", identity.ID)
	var later *kratostest.LoginResult
	testAccRunActions(t, []resource.TestStep{
		{
			Config: actionTriggerConfig("revoke_sessions", body, "1"),
			Check: resource.ComposeAggregateTestCheckFunc(
				checkWhoami(logins[0].SessionToken, 401),
				checkWhoami(logins[1].SessionToken, 401),
				checkWhoami(bystander[0].SessionToken, 200),
			),
		},
		{
			PreConfig: newLogin(t, email, &later),
			Config:    actionTriggerConfig("revoke_sessions", body, "2"),
			Check: resource.ComposeAggregateTestCheckFunc(
				checkWhoamiOf(&later, 401),
				checkWhoami(bystander[0].SessionToken, 200),
			),
		},
	})
}

// TestAccRevokeSessionsAction_session revokes one session from an action_trigger; the identity's other session keeps working.
func TestAccRevokeSessionsAction_session(t *testing.T) {
	_, _, logins := seedSessions(t, "revoke-action-one", 2)
	testAccRunActions(t, []resource.TestStep{{
		Config: actionTriggerConfig("revoke_sessions", fmt.Sprintf("    session_id = %q", logins[0].SessionID), "1"),
		Check: resource.ComposeAggregateTestCheckFunc(
			checkWhoami(logins[0].SessionToken, 401),
			checkWhoami(logins[1].SessionToken, 200),
		),
	}})
}

// TestAccRevokeSessionsAction_errors proves plan-time validation and that an unknown identity or
// session fails the apply, on the attribute.
func TestAccRevokeSessionsAction_errors(t *testing.T) {
	testAccRunActions(t, []resource.TestStep{
		{
			Config:      actionTriggerConfig("revoke_sessions", fmt.Sprintf("    identity_id = %q\n    session_id = %q", randomUUID, randomUUID), "1"),
			ExpectError: expectError("Invalid Attribute Combination", "session_id"),
		},
		{
			Config:      actionTriggerConfig("revoke_sessions", `    session_id = "not-a-uuid"`, "1"),
			ExpectError: expectError("must be a UUID"),
		},
		{
			Config:      actionTriggerConfig("revoke_sessions", fmt.Sprintf("    identity_id = %q", randomUUID), "3"),
			ExpectError: expectError("Identity not found", "Kratos has no identity "+randomUUID),
		},
		{
			// A new input, so that the trigger, created by the step before, fires again.
			Config:      actionTriggerConfig("revoke_sessions", fmt.Sprintf("    session_id = %q", randomUUID), "4"),
			ExpectError: expectError("Session not found", "Kratos has no session "+randomUUID),
		},
	})
}

// TestAccRevokeSessionsAction_invoke invokes the action through the plugin protocol, as apply
// -invoke does, and checks its progress messages and diagnostics.
func TestAccRevokeSessionsAction_invoke(t *testing.T) {
	identity, _, logins := seedSessions(t, "revoke-invoke", 2)
	invokeAction(t, "revoke_sessions", map[string]any{"session_id": logins[0].SessionID}).
		check(t, nil, `^Revoked session `+logins[0].SessionID+` of identity `+identity.ID+`; it was active\.$`)
	checkWhoamiNow(t, logins[0].SessionToken, 401)
	checkWhoamiNow(t, logins[1].SessionToken, 200)
	invokeAction(t, "revoke_sessions", map[string]any{"session_id": logins[0].SessionID}).
		check(t, nil, `it was already inactive`)

	invokeAction(t, "revoke_sessions", map[string]any{"identity_id": identity.ID}).
		check(t, nil, `^Deleted the 2 sessions of identity `+identity.ID+` \(1 of them active\)`)
	checkWhoamiNow(t, logins[1].SessionToken, 401)
	invokeAction(t, "revoke_sessions", map[string]any{"identity_id": identity.ID}).
		check(t, nil, `^Identity `+identity.ID+` had no sessions; there was nothing to revoke\.$`)

	invokeAction(t, "revoke_sessions", map[string]any{"identity_id": randomUUID}).
		check(t, []string{"error: Identity not found @ identity_id"})
	invokeAction(t, "revoke_sessions", map[string]any{"session_id": randomUUID}).
		check(t, []string{"error: Session not found @ session_id"})
	invokeAction(t, "revoke_sessions", map[string]any{}).
		check(t, []string{"error: Invalid Attribute Combination @ identity_id"})
}

// TestAccRevokeSessionsAction_example applies the offboarding example as written: the sessions
// survive while the identity is active and are deleted by the apply that deactivates it.
func TestAccRevokeSessionsAction_example(t *testing.T) {
	src := actionExample(t, "kratos_revoke_sessions", "action.tf")
	var leaver *kratostest.LoginResult
	checkSessions := func(want int) resource.TestCheckFunc {
		return func(s *terraform.State) error {
			attrs, err := stateAttributes(s, "kratos_identity.leaver")
			if err != nil {
				return err
			}
			n, err := identitySessionCount(t, attrs["id"])
			if err == nil && n != want {
				err = fmt.Errorf("the leaver has %d sessions, want %d", n, want)
			}
			return err
		}
	}
	testAccRunActions(t, []resource.TestStep{
		{Config: src},
		{
			// The person signs in (the example's identity has no password: the test gives it one).
			PreConfig: func() { leaver = loginWithNewPassword(t, "leaver@example.org") },
			Config:    src,
			Check:     checkSessions(1),
		},
		{
			Config:          src,
			ConfigVariables: config.Variables{"leaver_state": config.StringVariable("inactive")},
			Check: resource.ComposeAggregateTestCheckFunc(
				checkSessions(0),
				checkWhoamiOf(&leaver, 401),
			),
		},
	})
}

// destroyActionVersionChecks skip a test on CLIs without actions on destroy events and on_failure:
// Terraform before 1.16 and OpenTofu.
var destroyActionVersionChecks = []tfversion.TerraformVersionCheck{tfversion.SkipBelow(version.Must(version.NewVersion("1.16.0")))}

// TestAccRevokeSessionsAction_onDestroy applies the after_destroy example as written: the service account's
// sessions survive the runner's creation and an apply without changes, and are revoked when the runner is
// replaced and when the configuration is destroyed; the account itself stays.
func TestAccRevokeSessionsAction_onDestroy(t *testing.T) {
	src := actionExample(t, "kratos_revoke_sessions", "action-on-destroy.tf")
	const botEmail = "deploy-bot@example.org" // the account the example looks up
	bot := seedPasswordIdentity(t, botEmail)
	_, _, bystander := seedSessions(t, "on-destroy-bystander", 1)
	image := config.Variables{"runner_image": config.StringVariable("runner-2026-10")}
	var first, second, third *kratostest.LoginResult
	resource.Test(t, resource.TestCase{
		PreCheck:                 func() { testAccPreCheck(t) },
		TerraformVersionChecks:   destroyActionVersionChecks,
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{
				PreConfig: newLogin(t, botEmail, &first),
				Config:    src,
				Check:     checkWhoamiOf(&first, 200),
			},
			{
				// A new image replaces the runner: the old one's after_destroy revokes the account's sessions.
				PreConfig:       newLogin(t, botEmail, &second),
				Config:          src,
				ConfigVariables: image,
				Check: resource.ComposeAggregateTestCheckFunc(
					checkWhoamiOf(&first, 401),
					checkWhoamiOf(&second, 401),
					checkWhoami(bystander[0].SessionToken, 200),
				),
			},
			{
				PreConfig:       newLogin(t, botEmail, &third),
				Config:          src,
				ConfigVariables: image,
				Check:           checkWhoamiOf(&third, 200),
			},
		},
		// The test's destroy destroys the runner: its after_destroy revokes the session opened since.
		CheckDestroy: func(s *terraform.State) error {
			if _, err := testClient(t).GetIdentity(t.Context(), bot.ID); err != nil {
				return fmt.Errorf("the service account after destroy: %w", err)
			}
			return checkWhoamiOf(&third, 401)(s)
		},
	})
}

// checkWhoamiOf is checkWhoami for the session of a login that a step's PreConfig makes.
func checkWhoamiOf(login **kratostest.LoginResult, want int) resource.TestCheckFunc {
	return func(s *terraform.State) error {
		if *login == nil {
			return errors.New("no session to check: the step that signs in did not run")
		}
		return checkWhoami((*login).SessionToken, want)(s)
	}
}
