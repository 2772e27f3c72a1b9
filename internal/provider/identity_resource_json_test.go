package provider

import (
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/kratos-tf/terraform-provider-kratos/internal/identityschema"
	"github.com/kratos-tf/terraform-provider-kratos/internal/kratosclient"
	"github.com/kratos-tf/terraform-provider-kratos/internal/kratostest"
)

// jsonNumberText returns the spelling of the number at keys in a JSON object, as Kratos returned it.
func jsonNumberText(raw json.RawMessage, keys ...string) (string, error) {
	v, err := decodeJSON(string(raw))
	if err != nil {
		return "", err
	}
	for _, k := range keys {
		m, ok := v.(map[string]any)
		if !ok {
			return "", fmt.Errorf("no object holds %q in %s", k, raw)
		}
		v = m[k]
	}
	n, ok := v.(json.Number)
	if !ok {
		return "", fmt.Errorf("%v in %s is not a number", keys, raw)
	}
	return n.String(), nil
}

// expectNumbers checks that Kratos holds, digit for digit, the numbers of want: a path such as
// "traits/name/pi", whose first segment names traits, metadata_public or metadata_admin, to
// the spelling expected there.
func expectNumbers(t *testing.T, want map[string]string) resource.TestCheckFunc {
	return checkIdentity(t, func(id *kratosclient.Identity) error {
		for path, spelling := range want {
			keys := strings.Split(path, "/")
			got, err := jsonNumberText(identityJSONFields(id)[keys[0]], keys[1:]...)
			if err != nil {
				return err
			}
			if got != spelling {
				return fmt.Errorf("Kratos holds %s at %s, want %s", got, path, spelling)
			}
		}
		return nil
	})
}

// identityJSONFields returns an identity's JSON fields by attribute name.
func identityJSONFields(id *kratosclient.Identity) map[string]json.RawMessage {
	return map[string]json.RawMessage{"traits": id.Traits, "metadata_public": id.MetadataPublic, "metadata_admin": id.MetadataAdmin}
}

// TestAccIdentityJSON_kratosStoresNumbersAsSent records what the number rule rests on: Kratos
// v1.3.1 returns numbers in traits and metadata exactly as they were sent, beyond float64's
// precision and range too, from create, GET, list, PATCH and PUT alike.
func TestAccIdentityJSON_kratosStoresNumbersAsSent(t *testing.T) {
	client := testClient(t)
	ctx := t.Context()
	numbers := []string{"12345678901234567890", "123456789012345678901234567890", "19.999999999999999999", "0.1000000000000000055511151231257827", "1.50", "1E3", "-0"}
	for _, n := range numbers {
		email := uniqueEmail(t, "numbers")
		traits := json.RawMessage(fmt.Sprintf(`{"email":%q,"name":{"n":%s}}`, email, n))
		metadata := json.RawMessage(`{"n":` + n + `}`)
		created, err := client.CreateIdentity(ctx, kratosclient.CreateIdentityBody{SchemaID: "default", Traits: traits, MetadataPublic: metadata, MetadataAdmin: metadata})
		if err != nil {
			t.Fatalf("%s: %v", n, err)
		}
		t.Cleanup(func() { _ = client.DeleteIdentity(ctx, created.ID) })
		read, err := client.GetIdentity(ctx, created.ID)
		if err != nil {
			t.Fatal(err)
		}
		var listed *kratosclient.Identity
		for id, err := range client.ListIdentities(ctx, kratosclient.ListIdentitiesParams{CredentialsIdentifier: email}) {
			if err != nil {
				t.Fatal(err)
			}
			listed = &id
		}
		// The PATCH sends the number in one field and changes another.
		patched, err := client.PatchIdentity(ctx, created.ID, []kratosclient.PatchOp{
			{Op: "replace", Path: "/metadata_admin/n", Value: json.RawMessage(n)}, {Op: "replace", Path: "/state", Value: json.RawMessage(`"inactive"`)},
		})
		if err != nil {
			t.Fatal(err)
		}
		put, err := client.UpdateIdentity(ctx, created.ID, kratosclient.UpdateIdentityBody{
			SchemaID: "default", State: "active", Traits: traits, MetadataPublic: metadata, MetadataAdmin: metadata,
		})
		if err != nil {
			t.Fatal(err)
		}
		for name, id := range map[string]*kratosclient.Identity{"create": created, "GET": read, "list": listed, "PATCH": patched, "PUT": put} {
			for field, raw := range identityJSONFields(id) {
				keys := []string{"n"}
				if field == "traits" {
					keys = []string{"name", "n"}
				}
				want := n
				// PostgreSQL's jsonb keeps every digit but not every spelling: what Kratos reads back
				// (GET, list, PATCH) has 1E3 as 1000 and -0 as 0; create and PUT echo the request.
				if testKratos.Backend == kratostest.BackendPostgres && name != "create" && name != "PUT" && (name != "PATCH" || field != "metadata_admin") {
					want = map[string]string{"1E3": "1000", "-0": "0"}[n]
					if want == "" {
						want = n
					}
				}
				if got, err := jsonNumberText(raw, keys...); err != nil || got != want {
					t.Errorf("%s answered %s %s for %s (%v)", name, field, raw, n, err)
				}
			}
		}
	}
}

// TestAccIdentityJSON_numbersBeyondFloat64 applies numbers that float64 cannot hold: Kratos
// stores them as sent, so they are sent without rounding, the state keeps their spelling, and
// the next plan is empty.
func TestAccIdentityJSON_numbersBeyondFloat64(t *testing.T) {
	env := newIdentityEnv(t)
	email := randomEmail("numbers")
	cfg := func(pi, price, id string) string {
		return env.config(fmt.Sprintf(`
resource "kratos_identity" "test" {
  schema_id       = "default"
  traits          = jsonencode({ email = %q, name = { first = "Pi", pi = %s } })
  metadata_public = jsonencode({ price = %s })
  metadata_admin  = "{\"id\": %s, \"ratio\": 1.50}"
}
`, email, pi, price, id))
	}
	created := cfg("3.141592653589793238462643383279", "19.999999999999999999", "12345678901234567890")
	updated := cfg("2.718281828459045235360287471352", "0.1000000000000000055511151231257827", "12345678901234567891")
	emptyPlan := resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()}}
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		CheckDestroy:             checkIdentityDestroyed(t),
		Steps: []resource.TestStep{
			{
				Config: created,
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(identityAddr, tfjsonpath.New("metadata_admin"), knownvalue.StringExact(`{"id": 12345678901234567890, "ratio": 1.50}`)),
				},
				Check: expectNumbers(t, map[string]string{
					"traits/name/pi":        "3.141592653589793238462643383279",
					"metadata_public/price": "19.999999999999999999",
					"metadata_admin/id":     "12345678901234567890",
				}),
			},
			{Config: created, ConfigPlanChecks: emptyPlan},
			{
				Config: updated,
				Check: expectNumbers(t, map[string]string{
					"traits/name/pi":        "2.718281828459045235360287471352",
					"metadata_public/price": "0.1000000000000000055511151231257827",
					"metadata_admin/id":     "12345678901234567891",
				}),
			},
			{Config: updated, ConfigPlanChecks: emptyPlan},
		},
	})
}

// TestAccIdentityJSON_unicodeEmail creates identities whose emails have UTF-8 before the @,
// which Kratos accepts for "format": "email" (the default schema's email trait).
func TestAccIdentityJSON_unicodeEmail(t *testing.T) {
	env := newIdentityEnv(t)
	emails := []string{randomEmail("andré"), randomEmail("josé"), randomEmail("ünï😀")}
	hcl := ""
	for i, e := range emails {
		hcl += fmt.Sprintf(`
resource "kratos_identity" "u%d" {
  schema_id = "default"
  traits    = jsonencode({ email = %q })
}
`, i, e)
	}
	var checks []statecheck.StateCheck
	for _, e := range emails {
		checks = append(checks, identityWith(t, e, hasIdentifiers("password", e)))
	}
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		CheckDestroy:             checkIdentityDestroyed(t),
		Steps: []resource.TestStep{
			{Config: env.config(hcl), ConfigStateChecks: checks},
			{Config: env.config(hcl), ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()}}},
		},
	})
}

// TestAccIdentityJSON_emailFormatLikeKratos checks the provider's email format against Kratos's
// answer to a create with each address (the minimal schema's email has "format": "email").
func TestAccIdentityJSON_emailFormatLikeKratos(t *testing.T) {
	client := testClient(t)
	raw, err := client.GetIdentitySchema(t.Context(), "minimal")
	if err != nil {
		t.Fatal(err)
	}
	minimal, err := identityschema.Compile("minimal", raw)
	if err != nil {
		t.Fatal(err)
	}
	for _, local := range []string{"andré", "ünï😀", `"a b"`, "a..b", ".a", "a.", "a(c)", `a"b`, "Bob <bob", "=?utf-8?q?a?=", "a\u00a0b"} {
		for _, domain := range []string{"example.org", "b.-c.io", "-b.io", "[1.2.3.4]", "x.io.", "x_y.io", "exämple.org"} {
			email := local + "@" + domain
			traits, err := json.Marshal(map[string]string{"email": email})
			if err != nil {
				t.Fatal(err)
			}
			created, err := client.CreateIdentity(t.Context(), kratosclient.CreateIdentityBody{SchemaID: "minimal", Traits: traits})
			if err == nil {
				_ = client.DeleteIdentity(t.Context(), created.ID)
			} else if !kratosclient.IsBadRequest(err) {
				t.Fatalf("%q: %v", email, err)
			}
			if check := identityschema.Violations(minimal, string(traits)); (len(check) == 0) != (err == nil) {
				t.Errorf("%q: Kratos answered %v, the provider's check %q", email, err, check)
			}
		}
	}
}

// TestAccIdentityJSON_lostPatchAnswer loses the answer to the PATCH that puts an item in front
// of an array, after Kratos applied it: the patch replaces the whole array, so the client may
// send it again and Kratos holds the item once.
func TestAccIdentityJSON_lostPatchAnswer(t *testing.T) {
	env := newIdentityEnv(t)
	email := randomEmail("lostpatch")
	cfg := func(tags string) string {
		return fmt.Sprintf(`
provider "kratos" {
  admin_url   = %q
  public_url  = %q
  max_retries = 2
}

resource "kratos_identity" "test" {
  schema_id = "default"
  traits    = jsonencode({ email = %q, tags = %s })
}
`, env.admin.URL, env.public.URL, email, tags)
	}
	isPatch := func(r *http.Request) bool { return r.Method == http.MethodPatch }
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		CheckDestroy:             checkIdentityDestroyed(t),
		Steps: []resource.TestStep{
			{Config: cfg(`["a", "c", "d"]`)},
			{
				PreConfig: func() {
					env.reset()
					env.admin.dropNext(lossAfterKratos, isPatch)
				},
				Config: cfg(`["x", "a", "c", "d"]`),
				Check: resource.ComposeAggregateTestCheckFunc(
					env.expectRequests(map[string]int{"PATCH /admin/identities": 2}),
					func(*terraform.State) error {
						if env.admin.droppedCount() != 1 {
							return fmt.Errorf("the proxy should have lost one answer, lost %d", env.admin.droppedCount())
						}
						return nil
					},
					checkIdentity(t, func(id *kratosclient.Identity) error {
						var traits struct{ Tags []string }
						if err := json.Unmarshal(id.Traits, &traits); err != nil {
							return err
						}
						if want := []string{"x", "a", "c", "d"}; !slices.Equal(traits.Tags, want) {
							return fmt.Errorf("Kratos holds tags %q, want %q", traits.Tags, want)
						}
						return nil
					}),
				),
			},
		},
	})
}
