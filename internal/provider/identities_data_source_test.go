package provider

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"

	"github.com/kratos-tf/terraform-provider-kratos/internal/kratosclient"
	"github.com/kratos-tf/terraform-provider-kratos/internal/kratostest"
)

// TestAccIdentitiesDataSource_basic combines every filter on identities of its own (other tests
// share the Kratos instance, so it narrows everything to a prefix of its own) and rejects bad input.
func TestAccIdentitiesDataSource_basic(t *testing.T) {
	prefix := "ids-" + strings.ToLower(rand.Text()[:10])
	a := seedIdentity(t, kratosclient.CreateIdentityBody{
		Traits:         json.RawMessage(fmt.Sprintf(`{"email":%q,"name":{"first":"Ada","last":"Lovelace"},"tags":["x","y"]}`, prefix+"-a@example.test")),
		MetadataPublic: json.RawMessage(`{"plan":"pro"}`),
		MetadataAdmin:  json.RawMessage(`{"note":"vip"}`),
	})
	b := seedIdentity(t, kratosclient.CreateIdentityBody{Traits: json.RawMessage(fmt.Sprintf(`{"email":%q}`, prefix+"-b@example.test"))})
	c := seedIdentity(t, kratosclient.CreateIdentityBody{
		Traits: json.RawMessage(fmt.Sprintf(`{"email":%q}`, prefix+"-c@example.test")),
		State:  "inactive",
	})
	const all = "data.kratos_identities.prefix"
	testAccRun(t, []resource.TestStep{
		{
			Config:      `data "kratos_identities" "x" { limit = 0 }`,
			ExpectError: expectError("limit", "value must be at least 1, got: 0"),
		},
		{
			Config:      `data "kratos_identities" "x" { state = "deleted" }`,
			ExpectError: expectError("state", `value must be one of: ["active" "inactive"]`),
		},
		{
			Config:      `data "kratos_identities" "x" { ids = ["nope"] }`,
			ExpectError: expectError("ids", "must be a UUID"),
		},
		{
			Config: `data "kratos_identities" "x" {
  credentials_identifier = "a@example.test"
  identifier_prefix      = "a"
}`,
			ExpectError: expectError("Invalid Attribute Combination", "identifier_prefix"),
		},
		{
			Config: fmt.Sprintf(`
data "kratos_identities" "prefix" { identifier_prefix = %[1]q }
data "kratos_identities" "inactive" {
  identifier_prefix = %[1]q
  state             = "inactive"
}
data "kratos_identities" "by_ids" { ids = [%[2]q, %[3]q] }
data "kratos_identities" "by_email" { credentials_identifier = upper(%[4]q) }
data "kratos_identities" "limited" {
  identifier_prefix = %[1]q
  limit             = 2
}
`, prefix, b.ID, a.ID, prefix+"-a@example.test"),
			Check: resource.ComposeAggregateTestCheckFunc(
				checkListIDs(all, "identities", []string{a.ID, b.ID, c.ID}),
				checkIDsAttr(all, sortedCopy(a.ID, b.ID, c.ID)),
				resource.TestCheckTypeSetElemNestedAttrs(all, "identities.*", map[string]string{
					"id":                                 a.ID,
					"schema_id":                          "default",
					"state":                              "active",
					"credentials.password.identifiers.0": prefix + "-a@example.test",
					"verifiable_addresses.0.value":       prefix + "-a@example.test",
					"verifiable_addresses.0.verified":    "false",
					"recovery_addresses.0.value":         prefix + "-a@example.test",
					"metadata_public":                    `{"plan":"pro"}`,
					"metadata_admin":                     `{"note":"vip"}`,
				}),
				resource.TestCheckTypeSetElemNestedAttrs(all, "identities.*", map[string]string{"id": c.ID, "state": "inactive"}),
				resource.TestCheckTypeSetElemAttr(all, "ids.*", a.ID),
				checkListIDs("data.kratos_identities.inactive", "identities", []string{c.ID}),
				checkListIDs("data.kratos_identities.by_ids", "identities", []string{a.ID, b.ID}),
				// Without an identifier filter Kratos lists credentials only when asked to (loadCredentialsType).
				resource.TestCheckTypeSetElemNestedAttrs("data.kratos_identities.by_ids", "identities.*", map[string]string{
					"id": b.ID, "credentials.password.identifiers.0": prefix + "-b@example.test",
				}),
				checkIDsAttr("data.kratos_identities.by_ids", sortedCopy(a.ID, b.ID)),
				checkListIDs("data.kratos_identities.by_email", "identities", []string{a.ID}),
				resource.TestCheckResourceAttr("data.kratos_identities.limited", "identities.#", "2"),
				checkIDsAttr("data.kratos_identities.limited", sortedCopy(a.ID, b.ID, c.ID)[:2]),
			),
		},
	})
}

// TestAccIdentitiesDataSource_pagination walks 3000 identities in pages of 100 on a Kratos of its
// own (so that other tests never page through them), and proves a limit stops the paging early.
func TestAccIdentitiesDataSource_pagination(t *testing.T) {
	testAccPreCheck(t)
	inst := kratostest.StartT(t, kratostest.Options{})
	client := instanceClient(t, inst, nil)
	ids := batchCreateIdentities(t, client, "page", 3000)
	setForTest(t, &identitiesPageSize, 100)
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{{
			Config: instanceProviderConfig(inst) + `
data "kratos_identities" "all" {}
data "kratos_identities" "first" { limit = 250 }
`,
			Check: resource.ComposeAggregateTestCheckFunc(
				checkListIDs("data.kratos_identities.all", "identities", ids),
				checkIDsAttr("data.kratos_identities.all", ids),
				checkIDsAttr("data.kratos_identities.first", ids[:250]),
			),
		}},
	})

	// The request counts, through the data source's own Read.
	for _, tc := range []struct {
		limit    int64
		requests int
	}{{0, 30}, {250, 3}, {50, 1}} {
		counter := &requestCounter{}
		pd := &providerData{client: instanceClient(t, inst, counter)}
		config := map[string]any{}
		if tc.limit > 0 {
			config["limit"] = tc.limit
		}
		got := readIdentityIDs(t, pd, config)
		want := int(tc.limit)
		if want == 0 {
			want = len(ids)
		}
		if !slices.Equal(got, ids[:want]) {
			t.Errorf("limit %d: got %d identities, want the first %d by ID", tc.limit, len(got), want)
		}
		if n := counter.count(); n != tc.requests {
			t.Errorf("limit %d: %d requests, want %d", tc.limit, n, tc.requests)
		}
	}
}

// batchCreateIdentities creates n identities with emails <prefix>-<i>@example.test through the
// batch endpoint and returns their IDs sorted as Kratos lists them.
func batchCreateIdentities(tb testing.TB, client *kratosclient.Client, prefix string, n int) []string {
	tb.Helper()
	ids := make([]string, 0, n)
	for start := 0; start < n; start += kratosclient.BatchPatchIdentitiesLimit {
		end := min(start+kratosclient.BatchPatchIdentitiesLimit, n)
		items := make([]kratosclient.IdentityPatch, 0, end-start)
		for i := start; i < end; i++ {
			items = append(items, kratosclient.IdentityPatch{Create: &kratosclient.CreateIdentityBody{
				Traits:         json.RawMessage(fmt.Sprintf(`{"email":"%s-%05d@example.test","name":{"first":"User","last":"%05d"},"tags":["bulk"]}`, prefix, i, i)),
				MetadataPublic: json.RawMessage(`{"source":"batch"}`),
			}})
		}
		res, err := client.BatchPatchIdentities(context.Background(), items)
		if err != nil {
			tb.Fatalf("batch create: %v", err)
		}
		for i, r := range res.Identities {
			if r == nil || r.Action != "create" {
				tb.Fatalf("batch item %d not created: %+v", start+i, r)
			}
			ids = append(ids, r.Identity)
		}
	}
	slices.Sort(ids)
	return ids
}

// readIdentityIDs runs the kratos_identities data source's Read in-process with config and returns the IDs.
func readIdentityIDs(tb testing.TB, pd *providerData, config map[string]any) []string {
	tb.Helper()
	state := readDataSourceInProcess(tb, NewIdentitiesDataSource(), pd, config)
	var ids []string
	if diags := state.GetAttribute(context.Background(), path.Root("ids"), &ids); diags.HasError() {
		tb.Fatalf("ids: %v", diags)
	}
	return ids
}
