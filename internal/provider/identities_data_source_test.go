package provider

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/terraform"

	"github.com/kratos-tf/terraform-provider-kratos/internal/kratosclient"
	"github.com/kratos-tf/terraform-provider-kratos/internal/kratostest"
)

// testPassword is the password of the identities tests log in with.
const testPassword = "correct-horse-battery-42"

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
	resource.Test(t, resource.TestCase{
		PreCheck:                 func() { testAccPreCheck(t) },
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{
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

// instanceProviderConfig is a provider block pointing at inst.
func instanceProviderConfig(inst *kratostest.Instance) string {
	return fmt.Sprintf("provider \"kratos\" {\n  admin_url  = %q\n  public_url = %q\n}\n", inst.AdminURL, inst.PublicURL)
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

// uniqueEmail returns an email address no other test uses.
func uniqueEmail(t *testing.T, prefix string) string {
	t.Helper()
	return fmt.Sprintf("%s-%s@example.test", prefix, strings.ToLower(rand.Text()[:12]))
}

// seedIdentity creates an identity through the admin API and deletes it when the test ends.
func seedIdentity(t *testing.T, body kratosclient.CreateIdentityBody) *kratosclient.Identity {
	t.Helper()
	client := testClient(t)
	identity, err := client.CreateIdentity(context.Background(), body)
	if err != nil {
		t.Fatalf("create identity: %v", err)
	}
	t.Cleanup(func() {
		if err := client.DeleteIdentity(context.Background(), identity.ID); err != nil && !kratosclient.IsNotFound(err) {
			t.Errorf("delete identity %s: %v", identity.ID, err)
		}
	})
	return identity
}

// seedPasswordIdentity creates an identity that can log in with email and testPassword.
func seedPasswordIdentity(t *testing.T, email string) *kratosclient.Identity {
	t.Helper()
	return seedIdentity(t, seedBody(email))
}

// seedBody is the body of an identity that can log in with email and testPassword.
func seedBody(email string) kratosclient.CreateIdentityBody {
	return kratosclient.CreateIdentityBody{
		Traits: json.RawMessage(fmt.Sprintf(`{"email":%q}`, email)),
		Credentials: &kratosclient.CredentialsImport{
			Password: &kratosclient.PasswordImport{Config: kratosclient.PasswordImportConfig{Password: testPassword}},
		},
	}
}

// seedLogins logs in n times through Kratos's public login flow and returns the sessions, oldest first.
func seedLogins(t *testing.T, email string, n int) []*kratostest.LoginResult {
	t.Helper()
	out := make([]*kratostest.LoginResult, 0, n)
	for range n {
		l, err := testKratos.Login(context.Background(), email, testPassword)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, l)
	}
	return out
}

// revokeSession revokes a session through the admin API.
func revokeSession(t *testing.T, id string) {
	t.Helper()
	if err := testClient(t).DisableSession(context.Background(), id); err != nil {
		t.Fatalf("revoke session %s: %v", id, err)
	}
}

// setForTest sets *p to v for the duration of the test. Tests using it must not run in parallel.
func setForTest[T any](tb testing.TB, p *T, v T) {
	tb.Helper()
	old := *p
	*p = v
	tb.Cleanup(func() { *p = old })
}

// sortedCopy returns the values sorted, as Kratos orders identities by ID.
func sortedCopy(values ...string) []string {
	out := slices.Clone(values)
	slices.Sort(out)
	return out
}

// stateAttributes returns the flat attributes of a resource or data source in the state.
func stateAttributes(s *terraform.State, name string) (map[string]string, error) {
	rs, ok := s.RootModule().Resources[name]
	if !ok {
		return nil, fmt.Errorf("%s not found in state", name)
	}
	return rs.Primary.Attributes, nil
}

// listValues returns attribute key of every element of the nested list attribute list.
func listValues(s *terraform.State, name, list, key string) ([]string, error) {
	attrs, err := stateAttributes(s, name)
	if err != nil {
		return nil, err
	}
	n, err := strconv.Atoi(attrs[list+".#"])
	if err != nil {
		return nil, fmt.Errorf("%s.%s.# = %q: %w", name, list, attrs[list+".#"], err)
	}
	out := make([]string, n)
	for i := range n {
		k := fmt.Sprintf("%s.%d", list, i)
		if key != "" {
			k += "." + key
		}
		out[i] = attrs[k]
	}
	return out, nil
}

// checkListIDs checks that the ids of the list's elements are exactly want, each once, in any order.
func checkListIDs(name, list string, want []string) resource.TestCheckFunc {
	return func(s *terraform.State) error {
		got, err := listValues(s, name, list, "id")
		if err != nil {
			return err
		}
		slices.Sort(got)
		if !slices.Equal(got, sortedCopy(want...)) {
			return fmt.Errorf("%s.%s: got %d ids, want %d (%s)", name, list, len(got), len(want), diffSummary(got, want))
		}
		return nil
	}
}

// checkIDsAttr checks that the ids attribute equals want, in order.
func checkIDsAttr(name string, want []string) resource.TestCheckFunc {
	return func(s *terraform.State) error {
		got, err := listValues(s, name, "ids", "")
		if err != nil {
			return err
		}
		if !slices.Equal(got, want) {
			return fmt.Errorf("%s.ids: got %d values, want %d in order (%s)", name, len(got), len(want), diffSummary(got, want))
		}
		return nil
	}
}

// checkEverySession checks that there are sessions and that key equals value in every one.
func checkEverySession(name, key, value string) resource.TestCheckFunc {
	return func(s *terraform.State) error {
		got, err := listValues(s, name, "sessions", key)
		if err != nil {
			return err
		}
		if len(got) == 0 {
			return fmt.Errorf("%s.sessions is empty", name)
		}
		for i, v := range got {
			if v != value {
				return fmt.Errorf("%s.sessions.%d.%s = %q, want %q", name, i, key, v, value)
			}
		}
		return nil
	}
}

// checkListLacks checks that no element of the list has key equal to value.
func checkListLacks(name, list, key, value string) resource.TestCheckFunc {
	return func(s *terraform.State) error {
		got, err := listValues(s, name, list, key)
		if err != nil {
			return err
		}
		if i := slices.Index(got, value); i >= 0 {
			return fmt.Errorf("%s.%s.%d.%s = %q, which should not be listed", name, list, i, key, value)
		}
		return nil
	}
}

// checkListItemsAtLeast checks that the list has at least n elements.
func checkListItemsAtLeast(name, list string, n int) resource.TestCheckFunc {
	return func(s *terraform.State) error {
		got, err := listValues(s, name, list, "")
		if err != nil {
			return err
		}
		if len(got) < n {
			return fmt.Errorf("%s.%s has %d elements, want at least %d", name, list, len(got), n)
		}
		return nil
	}
}

// checkJSONField checks that a decoded JSON object has key set to want.
func checkJSONField(key string, want any) func(any) error {
	return func(doc any) error {
		m, ok := doc.(map[string]any)
		if !ok || m[key] != want {
			return fmt.Errorf("JSON field %q = %v, want %v", key, m[key], want)
		}
		return nil
	}
}

// diffSummary names a few values missing from got and a few unexpected ones.
func diffSummary(got, want []string) string {
	var missing, extra []string
	for _, w := range want {
		if !slices.Contains(got, w) && len(missing) < 3 {
			missing = append(missing, w)
		}
	}
	for _, g := range got {
		if !slices.Contains(want, g) && len(extra) < 3 {
			extra = append(extra, g)
		}
	}
	return fmt.Sprintf("missing e.g. %v, unexpected e.g. %v", missing, extra)
}
