package provider

import (
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
)

// TestAccSessionsDataSource_basic lists sessions made through the real login flow across several
// small pages, filters by active, expands devices, and stops at the limit. Other tests share the
// Kratos instance, so it checks only its own sessions.
func TestAccSessionsDataSource_basic(t *testing.T) {
	setForTest(t, &sessionsPageSize, 2)
	identity, _, logins := seedSessions(t, "sessions", 3)
	revokeSession(t, logins[0].SessionID)
	testAccRun(t, []resource.TestStep{
		{
			Config:      `data "kratos_sessions" "bad" { limit = 0 }`,
			ExpectError: expectError("limit", "value must be at least 1, got: 0"),
		},
		{
			Config: `
data "kratos_sessions" "all" {}
data "kratos_sessions" "active" {
  active = true
  expand = ["devices"]
}
data "kratos_sessions" "revoked" {
  active = false
  expand = ["identity"]
}
data "kratos_sessions" "one" { limit = 1 }
`,
			Check: resource.ComposeAggregateTestCheckFunc(
				resource.TestCheckTypeSetElemNestedAttrs("data.kratos_sessions.all", "sessions.*",
					map[string]string{"id": logins[0].SessionID, "active": "false", "identity_id": identity.ID}),
				resource.TestCheckTypeSetElemNestedAttrs("data.kratos_sessions.all", "sessions.*",
					map[string]string{"id": logins[1].SessionID, "active": "true", "identity_id": identity.ID}),
				resource.TestCheckTypeSetElemNestedAttrs("data.kratos_sessions.all", "sessions.*",
					map[string]string{"id": logins[2].SessionID, "active": "true", "identity_id": identity.ID}),
				checkListItemsAtLeast("data.kratos_sessions.all", "sessions", 3),
				resource.TestCheckTypeSetElemNestedAttrs("data.kratos_sessions.active", "sessions.*",
					map[string]string{"id": logins[1].SessionID, "devices.#": "1", "authentication_methods.0.method": "password"}),
				resource.TestCheckTypeSetElemNestedAttrs("data.kratos_sessions.active", "sessions.*",
					map[string]string{"id": logins[2].SessionID, "devices.#": "1"}),
				checkListLacks("data.kratos_sessions.active", "sessions", "id", logins[0].SessionID),
				checkEverySession("data.kratos_sessions.active", "active", "true"),
				resource.TestCheckTypeSetElemNestedAttrs("data.kratos_sessions.revoked", "sessions.*",
					map[string]string{"id": logins[0].SessionID, "active": "false", "identity.id": identity.ID, "identity.schema_id": "default"}),
				resource.TestCheckNoResourceAttr("data.kratos_sessions.all", "sessions.0.identity.id"),
				checkListLacks("data.kratos_sessions.revoked", "sessions", "id", logins[1].SessionID),
				checkEverySession("data.kratos_sessions.revoked", "active", "false"),
				resource.TestCheckResourceAttr("data.kratos_sessions.one", "sessions.#", "1"),
				resource.TestCheckNoResourceAttr("data.kratos_sessions.one", "sessions.0.devices.#"),
			),
		},
	})
}
