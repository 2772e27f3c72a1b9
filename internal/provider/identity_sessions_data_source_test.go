package provider

import (
	"fmt"
	"testing"

	"github.com/google/uuid"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
)

// TestAccIdentitySessionsDataSource_basic proves every session of an identity comes back when
// they span several pages, which Kratos v1.3.1's off-by-one would otherwise break (page 1 twice,
// last page missed), and that the active filter and bad input work.
func TestAccIdentitySessionsDataSource_basic(t *testing.T) {
	setForTest(t, &identitySessionsPerPage, 2)
	identity, _, logins := seedSessions(t, "idsessions", 5)
	revokeSession(t, logins[4].SessionID)
	var all, active []string
	for i, l := range logins {
		all = append(all, l.SessionID)
		if i != 4 {
			active = append(active, l.SessionID)
		}
	}
	config := func(identityID string) string {
		return fmt.Sprintf(`
data "kratos_identity_sessions" "all" { identity_id = %[1]q }
data "kratos_identity_sessions" "active" {
  identity_id = %[1]q
  active      = true
}
data "kratos_identity_sessions" "revoked" {
  identity_id = %[1]q
  active      = false
}
`, identityID)
	}
	testAccRun(t, []resource.TestStep{
		{
			Config:      `data "kratos_identity_sessions" "x" { identity_id = "42" }`,
			ExpectError: expectError("identity_id", "must be a UUID"),
		},
		{
			Config:      fmt.Sprintf(`data "kratos_identity_sessions" "x" { identity_id = %q }`, uuid.NewString()),
			ExpectError: expectError("Identity not found", "has no identity"),
		},
		{
			Config: config(identity.ID),
			Check: resource.ComposeAggregateTestCheckFunc(
				checkListIDs("data.kratos_identity_sessions.all", "sessions", all),
				checkEverySession("data.kratos_identity_sessions.all", "identity_id", identity.ID),
				checkEverySession("data.kratos_identity_sessions.all", "devices.#", "1"),
				checkListIDs("data.kratos_identity_sessions.active", "sessions", active),
				checkListIDs("data.kratos_identity_sessions.revoked", "sessions", all[4:]),
				resource.TestCheckResourceAttr("data.kratos_identity_sessions.revoked", "sessions.0.active", "false"),
			),
		},
	})
}
