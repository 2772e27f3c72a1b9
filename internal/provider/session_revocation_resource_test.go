package provider

import (
	"fmt"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/kratos-tf/terraform-provider-kratos/internal/kratostest"
)

// sessionRevocationConfig revokes by identity_id or session_id (attr) with triggers = { round = round }.
func sessionRevocationConfig(attr, id, round string) string {
	return fmt.Sprintf(`resource "kratos_session_revocation" "test" {
  %s = %q
  triggers = {
    round = %q
  }
}
`, attr, id, round)
}

// TestAccSessionRevocationResource_identity revokes every session of an identity on create, again
// when triggers change, keeps the result on refresh, and leaves an unrelated identity's session working.
func TestAccSessionRevocationResource_identity(t *testing.T) {
	identity, email, logins := seedSessions(t, "revocation", 2)
	_, _, bystander := seedSessions(t, "revocation-bystander", 1)
	const name = "kratos_session_revocation.test"
	var later *kratostest.LoginResult
	var firstRevokedAt string
	testAccRun(t, []resource.TestStep{
		{
			Config: sessionRevocationConfig("identity_id", identity.ID, "1"),
			Check: resource.ComposeAggregateTestCheckFunc(
				checkWhoami(logins[0].SessionToken, 401),
				checkWhoami(logins[1].SessionToken, 401),
				checkWhoami(bystander[0].SessionToken, 200),
				resource.TestCheckResourceAttrWith(name, "revoked_at", func(v string) error { firstRevokedAt = v; return nil }),
			),
			ConfigStateChecks: []statecheck.StateCheck{
				statecheck.ExpectKnownValue(name, tfjsonpath.New("id"), uuidValue),
				statecheck.ExpectKnownValue(name, tfjsonpath.New("revoked_at"), recentTime()),
			},
			ConfigPlanChecks: resource.ConfigPlanChecks{PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()}},
		},
		{
			// A new sign-in survives a refresh and a plan without changes: Read does not revoke.
			PreConfig: newLogin(t, email, &later),
			Config:    sessionRevocationConfig("identity_id", identity.ID, "1"),
			Check: func(s *terraform.State) error {
				return checkWhoami(later.SessionToken, 200)(s)
			},
		},
		{
			Config: sessionRevocationConfig("identity_id", identity.ID, "2"),
			ConfigPlanChecks: resource.ConfigPlanChecks{
				PreApply: []plancheck.PlanCheck{plancheck.ExpectResourceAction(name, plancheck.ResourceActionDestroyBeforeCreate)},
			},
			Check: resource.ComposeAggregateTestCheckFunc(
				func(s *terraform.State) error { return checkWhoami(later.SessionToken, 401)(s) },
				checkWhoami(bystander[0].SessionToken, 200),
				resource.TestCheckResourceAttrWith(name, "revoked_at", func(v string) error {
					if v < firstRevokedAt {
						return fmt.Errorf("revoked_at %s is before the first revocation at %s", v, firstRevokedAt)
					}
					return nil
				}),
			),
		},
	})
}

// TestAccSessionRevocationResource_session revokes one session: the identity's other session keeps
// working, and the revoked one stays readable as inactive.
func TestAccSessionRevocationResource_session(t *testing.T) {
	_, _, logins := seedSessions(t, "revocation-one", 2)
	testAccRun(t, []resource.TestStep{{
		Config: sessionRevocationConfig("session_id", logins[0].SessionID, "1"),
		Check: resource.ComposeAggregateTestCheckFunc(
			checkWhoami(logins[0].SessionToken, 401),
			checkWhoami(logins[1].SessionToken, 200),
			func(*terraform.State) error {
				s, err := testClient(t).GetSession(t.Context(), logins[0].SessionID)
				if err == nil && s.Active {
					err = fmt.Errorf("revoked session %s is still active", s.ID)
				}
				return err
			},
		),
	}})
}

// TestAccSessionRevocationResource_errors proves plan-time validation and that an unknown identity
// or session fails the apply without storing the resource.
func TestAccSessionRevocationResource_errors(t *testing.T) {
	testAccRun(t, []resource.TestStep{
		{
			Config: fmt.Sprintf(`resource "kratos_session_revocation" "test" {
  identity_id = %q
  session_id  = %q
}
`, randomUUID, randomUUID),
			ExpectError: expectError("Invalid Attribute Combination"),
		},
		{
			Config:      `resource "kratos_session_revocation" "test" {}`,
			ExpectError: expectError("Invalid Attribute Combination"),
		},
		{
			Config:      sessionRevocationConfig("identity_id", "not-a-uuid", "1"),
			ExpectError: expectError("must be a UUID"),
		},
		{
			Config:      sessionRevocationConfig("identity_id", randomUUID, "1"),
			ExpectError: expectError("Identity not found", "Kratos has no identity "+randomUUID),
		},
		{
			Config:      sessionRevocationConfig("session_id", randomUUID, "1"),
			ExpectError: expectError("Session not found", "Kratos has no session "+randomUUID),
		},
	})
}
