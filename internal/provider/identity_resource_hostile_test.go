package provider

import (
	"fmt"
	"net/http"
	"regexp"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
)

// TestAccIdentityResource_misroutedAnswers puts a proxy that answers with another identity in
// front of Kratos: a create answered with identity B is looked up and the state tracks the
// identity really created, and a refresh answered with B fails without touching the state; B,
// an identity another configuration manages, is never written to or deleted.
func TestAccIdentityResource_misroutedAnswers(t *testing.T) {
	env := newIdentityEnv(t)
	bystander := seedIdentity(t, seedBody(randomEmail("bystander")))
	email := randomEmail("misrouted")
	cfg := env.config(fmt.Sprintf(`
resource "kratos_identity" "x" {
  schema_id = "default"
  traits    = jsonencode({ email = %q, name = { first = "Misrouted" } })
}
`, email))
	isCreate := func(r *http.Request) bool { return r.Method == http.MethodPost && r.URL.Path == "/admin/identities" }
	isRead := func(r *http.Request) bool {
		return r.Method == http.MethodGet && regexp.MustCompile(`^/admin/identities/[0-9a-f-]{36}$`).MatchString(r.URL.Path)
	}
	tracksCreated := func(s *terraform.State) error {
		rs := s.RootModule().Resources["kratos_identity.x"]
		if rs == nil {
			return fmt.Errorf("kratos_identity.x not in state")
		}
		if got := findIdentityID(t, email); got != rs.Primary.ID || got == bystander.ID {
			return fmt.Errorf("state has %s, Kratos created %s (the misrouted answer named %s)", rs.Primary.ID, got, bystander.ID)
		}
		return nil
	}
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		CheckDestroy:             checkIdentityDestroyed(t),
		Steps: []resource.TestStep{
			{
				PreConfig: func() { env.admin.misrouteNext(bystander.ID, isCreate) },
				Config:    cfg,
				Check:     resource.ComposeAggregateTestCheckFunc(tracksCreated, env.expectRequests(map[string]int{"POST /admin/identities": 1})),
			},
			{
				PreConfig:   func() { env.admin.misrouteNext(bystander.ID, isRead) },
				Config:      cfg,
				ExpectError: regexp.MustCompile(`(?s)not\s+.*the\s+one\s+asked\s+for`),
			},
			{
				Config: cfg,
				Check:  tracksCreated,
			},
		},
	})
	if got, err := testClient(t).GetIdentity(t.Context(), bystander.ID); err != nil || string(got.Traits) != string(bystander.Traits) {
		t.Errorf("the bystander identity changed or went: %v", err)
	}
}
