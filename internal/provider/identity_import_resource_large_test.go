package provider

import (
	"fmt"
	"maps"
	"net/http"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"

	"github.com/kratos-tf/terraform-provider-kratos/internal/kratosclient"
	"github.com/kratos-tf/terraform-provider-kratos/internal/kratostest"
)

// largeImportMembers is the size of the large import, a multiple of 100: above the 500 IDs Kratos
// v25.4.0 and later accept in one list request, and above the 1000 items of one batch request.
const largeImportMembers = 1200

// largeImportConfig is a kratos_identity_import of largeImportMembers members user-0000 … whose
// emails start with prefix, each with one of a few bcrypt hashes of cost 4 (hashing is the cost
// of a test, not of the import).
func largeImportConfig(env *identityEnv, prefix string, hashes []string) string {
	return env.config(fmt.Sprintf(`
locals {
  hashes = [%s]
  # range() makes at most 1024 values.
  indices = flatten([for hundreds in range(%d) : [for i in range(100) : hundreds * 100 + i]])
}

resource "kratos_identity_import" "users" {
  delete_on_destroy = true
  identities = jsonencode({
    for i in local.indices : format("user-%%04d", i) => {
      schema_id       = "default"
      traits          = { email = format("%s%%04d@example.test", i) }
      hashed_password = local.hashes[i %% length(local.hashes)]
    }
  })
}
`, `"`+strings.Join(hashes, `", "`)+`"`, largeImportMembers/100, prefix))
}

// identitiesWithPrefix maps the ID of every identity whose login identifier starts with prefix to
// that identifier, read through the real client with Kratos's identifier prefix search.
func identitiesWithPrefix(t *testing.T, prefix string) (map[string]string, error) {
	out := map[string]string{}
	for id, err := range testClient(t).ListIdentities(t.Context(), kratosclient.ListIdentitiesParams{IdentifierSimilar: prefix, PageSize: kratosclient.MaxListIDs}) {
		if err != nil {
			return nil, err
		}
		out[id.ID] = string(id.Traits)
	}
	return out, nil
}

// importedIDs returns the ids attribute of the import in s, by member key.
func importedIDs(s *terraform.State) (map[string]string, error) {
	attrs, err := stateAttributes(s, importAddr)
	if err != nil {
		return nil, err
	}
	ids := map[string]string{}
	for k, v := range attrs {
		if key, ok := strings.CutPrefix(k, "ids."); ok && key != "%" {
			ids[key] = v
		}
	}
	return ids, nil
}

// TestAccIdentityImport_1200Members imports 1200 members in one apply, on either Kratos version
// (issue 14: on v26.2.0 the apply failed after Kratos had created them, and every later apply
// replaced the resource). Kratos then holds each member exactly once, created by two batch
// requests (1000 and 200); the next plan is empty, a second apply sends nothing, the IDs stay,
// and a refresh lists the 1200 in three requests of 500 IDs, never one request per member. With
// delete_on_destroy, the destroy deletes all 1200.
func TestAccIdentityImport_1200Members(t *testing.T) {
	env := newIdentityEnv(t)
	prefix := strings.TrimSuffix(uniqueEmail(t, "bulk"), "@example.test") + "-"
	hashes := make([]string, 4)
	for i := range hashes {
		hashes[i] = bcryptHash(t, fmt.Sprintf("bulk-password-%d", i))
	}
	config := largeImportConfig(env, prefix, hashes)
	var firstIDs map[string]string
	wantListRequests := (largeImportMembers + kratosclient.MaxListIDs - 1) / kratosclient.MaxListIDs

	// checkHeldOncePerMember checks that Kratos has exactly one identity per member, and that ids
	// names them all.
	checkHeldOncePerMember := func(s *terraform.State) error {
		held, err := identitiesWithPrefix(t, prefix)
		if err != nil {
			return err
		}
		ids, err := importedIDs(s)
		if err != nil {
			return err
		}
		if len(held) != largeImportMembers || len(ids) != largeImportMembers {
			return fmt.Errorf("Kratos holds %d identities of the import and ids has %d, want %d each", len(held), len(ids), largeImportMembers)
		}
		for key, id := range ids {
			if _, ok := held[id]; !ok {
				return fmt.Errorf("ids[%s] = %s, which is not one of the imported identities", key, id)
			}
		}
		return nil
	}
	// checkIDsUnchanged checks that every member kept the identity the first apply created.
	checkIDsUnchanged := func(s *terraform.State) error {
		ids, err := importedIDs(s)
		if err != nil {
			return err
		}
		if !maps.Equal(ids, firstIDs) {
			return fmt.Errorf("the members' IDs changed after the first apply: the identities were replaced")
		}
		return nil
	}
	logRequests := func(step string) resource.TestCheckFunc {
		return func(*terraform.State) error {
			t.Logf("%s (Kratos %s): %d batch, %d list, %d single GET, %d DELETE requests", step, kratostest.Version(),
				env.admin.count(http.MethodPatch, "/admin/identities"), env.admin.count(http.MethodGet, "/admin/identities")-env.admin.count(http.MethodGet, "/admin/identities/"),
				env.admin.count(http.MethodGet, "/admin/identities/"), env.admin.count(http.MethodDelete, "/admin/identities/"))
			return nil
		}
	}

	resource.Test(t, resource.TestCase{
		PreCheck:                 func() { testAccPreCheck(t) },
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		CheckDestroy: func(*terraform.State) error {
			held, err := identitiesWithPrefix(t, prefix)
			if err != nil {
				return err
			}
			if len(held) != 0 {
				return fmt.Errorf("after destroy with delete_on_destroy, Kratos still holds %d identities of the import", len(held))
			}
			return nil
		},
		Steps: []resource.TestStep{
			{
				Config: config,
				Check: resource.ComposeAggregateTestCheckFunc(
					logRequests("first apply"),
					checkHeldOncePerMember,
					// 1000 + 200 members, and no member looked up one by one.
					env.expectRequests(map[string]int{"PATCH /admin/identities": 2, "GET /admin/identities/": 0, "DELETE /admin/identities/": 0}),
					checkLogin(t, prefix+"0005@example.test", "bulk-password-1", true),
					func(s *terraform.State) (err error) {
						firstIDs, err = importedIDs(s)
						return err
					},
				),
			},
			{
				// The second apply: nothing to do, nothing sent, nothing deleted or created again.
				PreConfig:        env.reset,
				Config:           config,
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()}},
				Check: resource.ComposeAggregateTestCheckFunc(
					logRequests("second apply"),
					checkIDsUnchanged, checkHeldOncePerMember,
					env.expectRequests(map[string]int{"PATCH /admin/identities": 0, "GET /admin/identities/": 0, "DELETE /admin/identities/": 0, "POST /admin/identities": 0}),
				),
			},
			{
				// One refresh alone: three list requests of at most 500 IDs.
				PreConfig:    env.reset,
				RefreshState: true,
				Check: resource.ComposeAggregateTestCheckFunc(
					logRequests("refresh"),
					checkIDsUnchanged,
					env.expectRequests(map[string]int{"GET /admin/identities/": 0, "PATCH /admin/identities": 0}),
					func(*terraform.State) error {
						lists := env.admin.count(http.MethodGet, "/admin/identities") - env.admin.count(http.MethodGet, "/admin/identities/")
						if lists%wantListRequests != 0 || lists == 0 || lists > 2*wantListRequests {
							return fmt.Errorf("%d list requests, want %d per refresh; recorded:\n%s", lists, wantListRequests, env.admin.recorded())
						}
						return nil
					},
				),
			},
		},
	})
}
