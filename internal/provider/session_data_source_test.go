package provider

import (
	"context"
	"fmt"
	"testing"

	"github.com/google/uuid"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
)

// TestAccSessionDataSource_basic reads a session made through the real login flow, with and
// without expansions, after an out-of-band revoke, and rejects bad input on the attribute.
func TestAccSessionDataSource_basic(t *testing.T) {
	const name = "data.kratos_session.s"
	identity, email, logins := seedSessions(t, "session", 1)
	login := logins[0]
	config := func(id, extra string) string {
		return fmt.Sprintf("data \"kratos_session\" \"s\" {\n  id = %q\n  %s\n}\n", id, extra)
	}
	testAccRun(t, []resource.TestStep{
		{
			Config:      config("not-a-uuid", ""),
			ExpectError: expectError("Invalid Attribute Value Match", "must be a UUID"),
		},
		{
			Config:      config(uuid.NewString(), ""),
			ExpectError: expectError("Session not found", "kratos_identity_sessions"),
		},
		{
			Config:      config(login.SessionID, `expand = ["everything"]`),
			ExpectError: expectError(`value must be one of: ["identity" "devices"]`),
		},
		{
			Config: config(login.SessionID, `expand = ["identity", "devices"]`),
			Check: resource.ComposeAggregateTestCheckFunc(
				resource.TestCheckResourceAttr(name, "id", login.SessionID),
				resource.TestCheckResourceAttr(name, "active", "true"),
				resource.TestCheckResourceAttr(name, "identity_id", identity.ID),
				resource.TestCheckResourceAttr(name, "authenticator_assurance_level", "aal1"),
				resource.TestCheckResourceAttr(name, "authentication_methods.#", "1"),
				resource.TestCheckResourceAttr(name, "authentication_methods.0.method", "password"),
				resource.TestCheckResourceAttr(name, "authentication_methods.0.aal", "aal1"),
				resource.TestCheckResourceAttrSet(name, "authentication_methods.0.completed_at"),
				resource.TestCheckResourceAttrSet(name, "authenticated_at"),
				resource.TestCheckResourceAttrSet(name, "issued_at"),
				resource.TestCheckResourceAttrSet(name, "expires_at"),
				resource.TestCheckResourceAttr(name, "devices.#", "1"),
				resource.TestCheckResourceAttrSet(name, "devices.0.id"),
				resource.TestCheckResourceAttrSet(name, "devices.0.user_agent"),
				resource.TestCheckResourceAttr(name, "identity.id", identity.ID),
				resource.TestCheckResourceAttr(name, "identity.state", "active"),
				resource.TestCheckResourceAttr(name, "identity.schema_id", "default"),
				checkJSONAttr(name, "identity.traits", checkJSONField("email", email)),
			),
		},
		{
			PreConfig: func() {
				if err := testClient(t).DisableSession(context.Background(), login.SessionID); err != nil {
					t.Fatal(err)
				}
			},
			Config: config(login.SessionID, ""),
			Check: resource.ComposeAggregateTestCheckFunc(
				resource.TestCheckResourceAttr(name, "active", "false"),
				resource.TestCheckResourceAttr(name, "identity_id", identity.ID),
				resource.TestCheckNoResourceAttr(name, "devices.#"),
				resource.TestCheckNoResourceAttr(name, "identity.id"),
			),
		},
	})
}
