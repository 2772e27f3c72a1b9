package provider

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/hashicorp/go-version"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"
	"github.com/hashicorp/terraform-plugin-testing/tfversion"
	"golang.org/x/crypto/bcrypt"

	"github.com/kratos-tf/terraform-provider-kratos/internal/kratosclient"
	"github.com/kratos-tf/terraform-provider-kratos/internal/kratostest"
)

const identityAddr = "kratos_identity.test"

// identityEnv is a test's view of Kratos: recording proxies in front of the admin and
// public APIs, and the provider block that points at them.
type identityEnv struct {
	admin, public *recordingProxy
}

// newIdentityEnv starts the proxies for one test. Like resource.Test, it skips the test
// unless TF_ACC is set, since the proxies need the Kratos that TestMain starts then.
func newIdentityEnv(t *testing.T) *identityEnv {
	t.Helper()
	if os.Getenv("TF_ACC") == "" {
		t.Skip("acceptance test: set TF_ACC=1 to run it against a real Kratos")
	}
	testAccPreCheck(t)
	return &identityEnv{admin: newRecordingProxy(t, testKratos.AdminURL), public: newRecordingProxy(t, testKratos.PublicURL)}
}

// config prefixes HCL with a provider block that talks through the proxies.
func (e *identityEnv) config(hcl string) string {
	return fmt.Sprintf(`
provider "kratos" {
  admin_url   = %q
  public_url  = %q
  max_retries = 0
}
`, e.admin.URL, e.public.URL) + hcl
}

// reset forgets the requests recorded so far.
func (e *identityEnv) reset() {
	e.admin.reset()
	e.public.reset()
}

// expectRequests fails unless the admin proxy saw exactly want requests per "METHOD /path-prefix".
func (e *identityEnv) expectRequests(want map[string]int) resource.TestCheckFunc {
	return func(*terraform.State) error {
		for k, n := range want {
			method, prefix, _ := strings.Cut(k, " ")
			if got := e.admin.count(method, prefix); got != n {
				return fmt.Errorf("%s: %d requests, want %d; recorded:\n%s", k, got, n, e.admin.recorded())
			}
		}
		return nil
	}
}

// expectSchemaFetches fails unless each schema was fetched at most max times from the public API.
func (e *identityEnv) expectSchemaFetches(maxPerSchema int) resource.TestCheckFunc {
	return func(*terraform.State) error {
		for _, id := range []string{"default", "employee", "minimal"} {
			if got := e.public.count(http.MethodGet, "/schemas/"+id); got > maxPerSchema {
				return fmt.Errorf("schema %s fetched %d times, want at most %d; recorded:\n%s", id, got, maxPerSchema, e.public.recorded())
			}
		}
		return nil
	}
}

// withoutLogin drops the login attribute, written on one line, from a configuration.
func withoutLogin(hcl string) string {
	var keep []string
	for _, l := range strings.Split(hcl, "\n") {
		if !strings.HasPrefix(strings.TrimSpace(l), "login") {
			keep = append(keep, l)
		}
	}
	return strings.Join(keep, "\n")
}

// randomEmail returns an address at example.org that no other test uses.
func randomEmail(prefix string) string { return emailAt(prefix, "example.org") }

// checkLogin proves through the public login flow that password works for identifier, or that it does not.
func checkLogin(t *testing.T, identifier, password string, works bool) resource.TestCheckFunc {
	return func(*terraform.State) error {
		_, err := testKratos.Login(t.Context(), identifier, password)
		switch {
		case works && err != nil:
			return fmt.Errorf("login as %s should work: %w", identifier, err)
		case !works && err == nil:
			return fmt.Errorf("login as %s should fail with the old password, but it worked", identifier)
		}
		return nil
	}
}

// checkIdentity loads the identity in state from Kratos and runs check on it.
func checkIdentity(t *testing.T, check func(*kratosclient.Identity) error, include ...string) resource.TestCheckFunc {
	return func(s *terraform.State) error {
		rs, ok := s.RootModule().Resources[identityAddr]
		if !ok {
			return fmt.Errorf("%s not in state", identityAddr)
		}
		id, err := testClient(t).GetIdentity(t.Context(), rs.Primary.ID, include...)
		if err != nil {
			return err
		}
		return check(id)
	}
}

// hasIdentifiers checks that an identity's credential of type typ has exactly the identifiers want.
func hasIdentifiers(typ string, want ...string) func(*kratosclient.Identity) error {
	return func(id *kratosclient.Identity) error {
		got := slices.Sorted(slices.Values(id.Credentials[typ].Identifiers))
		if !slices.Equal(got, slices.Sorted(slices.Values(want))) {
			return fmt.Errorf("%s identifiers in Kratos = %q, want %q", typ, got, want)
		}
		return nil
	}
}

// hasVerifiedAddresses checks that an identity's verifiable addresses are exactly want, each verified.
func hasVerifiedAddresses(want ...string) func(*kratosclient.Identity) error {
	return func(id *kratosclient.Identity) error {
		var got []string
		for _, a := range id.VerifiableAddresses {
			if a.Verified {
				got = append(got, a.Value)
			}
		}
		if len(got) != len(id.VerifiableAddresses) || !slices.Equal(slices.Sorted(slices.Values(got)), slices.Sorted(slices.Values(want))) {
			return fmt.Errorf("verified addresses in Kratos = %q of %+v, want %q", got, id.VerifiableAddresses, want)
		}
		return nil
	}
}

// checkIdentityDestroyed proves through the API that every kratos_identity is gone.
func checkIdentityDestroyed(t *testing.T) resource.TestCheckFunc {
	return func(s *terraform.State) error {
		for _, rs := range s.RootModule().Resources {
			if rs.Type != "kratos_identity" {
				continue
			}
			_, err := testClient(t).GetIdentity(t.Context(), rs.Primary.ID)
			if !kratosclient.IsNotFound(err) {
				return fmt.Errorf("identity %s still exists (err %v)", rs.Primary.ID, err)
			}
		}
		return nil
	}
}

// importedWithoutLogin checks that an import recorded one identity with login null: the flat
// state has no login key.
func importedWithoutLogin(states []*terraform.InstanceState) error {
	if len(states) != 1 {
		return fmt.Errorf("import recorded %d resources, want 1", len(states))
	}
	for k, v := range states[0].Attributes {
		if k == "login" || strings.HasPrefix(k, "login.") {
			return fmt.Errorf("import recorded %s = %q, want login null", k, v)
		}
	}
	return nil
}

// identityID returns the ID in state of the test identity.
func identityID(s *terraform.State) (string, error) {
	rs, ok := s.RootModule().Resources[identityAddr]
	if !ok {
		return "", fmt.Errorf("%s not in state", identityAddr)
	}
	return rs.Primary.ID, nil
}

// expectTraitsBefore is a plan check that the planned update starts from traits holding want:
// the plan shows what changed outside Terraform.
type expectTraitsBefore struct{ want string }

// CheckPlan implements plancheck.PlanCheck.
func (c expectTraitsBefore) CheckPlan(_ context.Context, req plancheck.CheckPlanRequest, resp *plancheck.CheckPlanResponse) {
	for _, rc := range req.Plan.ResourceChanges {
		if rc.Address != identityAddr {
			continue
		}
		before, _ := rc.Change.Before.(map[string]any)
		after, _ := rc.Change.After.(map[string]any)
		b, _ := before["traits"].(string)
		a, _ := after["traits"].(string)
		if !strings.Contains(b, c.want) || strings.Contains(a, c.want) {
			resp.Error = fmt.Errorf("plan should change traits from %s to %s (containing %q before only)", b, a, c.want)
		}
		return
	}
	resp.Error = fmt.Errorf("no change planned for %s", identityAddr)
}

func TestAccIdentityResource_basic(t *testing.T) {
	env := newIdentityEnv(t)
	email, email2 := randomEmail("basic"), randomEmail("basic2")
	user := strings.TrimSuffix(email, "@example.org")
	const pw1, pw2 = "first-Passw0rd-for-test", "second-Passw0rd-for-test"

	create := fmt.Sprintf(`
resource "kratos_identity" "test" {
  schema_id          = "default"
  traits             = jsonencode({ email = %q, username = %q, name = { first = "Ada", last = "Lovelace" }, tags = ["a", "b"] })
  metadata_public    = jsonencode({ plan = "pro", score = 1.5, limits = { n = 1000 } })
  metadata_admin     = jsonencode({ note = "x~y/z" })
  login              = { password = %q, verified_addresses = [%q] }
}
`, email, user, pw1, strings.ToUpper(email))
	// The same values written differently: heredoc, key order, whitespace and numbers.
	reformatted := fmt.Sprintf(`
resource "kratos_identity" "test" {
  schema_id          = "default"
  traits             = <<-EOT
    { "tags": ["a","b"], "name": {"last": "Lovelace", "first": "Ada"},
      "username": %q, "email": %q }
  EOT
  metadata_public    = "{\"limits\":{\"n\":1E3},\"score\":1.50,\"plan\":\"pro\"}"
  metadata_admin     = jsonencode({ note = "x~y/z" })
  login              = { password = %q, verified_addresses = [%q] }
}
`, user, email, pw1, strings.ToUpper(email))
	updated := fmt.Sprintf(`
resource "kratos_identity" "test" {
  schema_id          = "default"
  state              = "inactive"
  traits             = jsonencode({ email = %q, username = %q, name = { first = "Ada", last = "Byron" }, tags = ["a", "b", "c"] })
  metadata_public    = jsonencode({ plan = "enterprise", score = 1.5, limits = { n = 1000 } })
  login              = { password = %q, verified_addresses = [%q] }
}
`, email2, user, pw1, email2)
	passwordChanged := strings.Replace(updated, pw1, pw2, 1)

	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		CheckDestroy:             checkIdentityDestroyed(t),
		Steps: []resource.TestStep{
			{
				PreConfig: env.reset,
				Config:    env.config(create),
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(identityAddr, tfjsonpath.New("state"), knownvalue.StringExact("active")),
					statecheck.ExpectKnownValue(identityAddr, tfjsonpath.New("schema_id"), knownvalue.StringExact("default")),
					// login.oidc_providers, omitted, is null on create: linked sign-ins are no longer reported
					// when unconfigured (they used to be, as an empty set).
					statecheck.ExpectKnownValue(identityAddr, tfjsonpath.New("login").AtMapKey("oidc_providers"), knownvalue.Null()),
					statecheck.ExpectKnownValue(identityAddr, tfjsonpath.New("login").AtMapKey("verified_addresses"),
						knownvalue.SetExact([]knownvalue.Check{knownvalue.StringExact(strings.ToUpper(email))})),
				},
				Check: resource.ComposeAggregateTestCheckFunc(
					// The state leaves out what the kratos_identity data source reports for the few who need it.
					resource.TestCheckNoResourceAttr(identityAddr, "organization_id"),
					resource.TestCheckNoResourceAttr(identityAddr, "recovery_addresses.#"),
					resource.TestCheckNoResourceAttr(identityAddr, "verifiable_addresses.#"),
					resource.TestCheckNoResourceAttr(identityAddr, "credentials.%"),
					resource.TestCheckNoResourceAttr(identityAddr, "created_at"),
					checkIdentity(t, hasIdentifiers("password", email, user)),
					env.expectRequests(map[string]int{"POST /admin/identities": 1, "PATCH /admin/identities": 0, "PUT /admin/identities": 0}),
					checkLogin(t, email, pw1, true),
					checkIdentity(t, func(id *kratosclient.Identity) error {
						if len(id.VerifiableAddresses) != 1 || !id.VerifiableAddresses[0].Verified {
							return fmt.Errorf("Kratos should report %s verified: %+v", email, id.VerifiableAddresses)
						}
						return nil
					}),
				),
			},
			{
				// Read is one request per refresh.
				PreConfig:    env.reset,
				RefreshState: true,
				Check: func(s *terraform.State) error {
					id, err := identityID(s)
					if err != nil {
						return err
					}
					return env.expectRequests(map[string]int{"GET /admin/identities/" + id: 1, "GET /admin/identities": 1})(s)
				},
			},
			{
				ResourceName:      identityAddr,
				ImportState:       true,
				ImportStateVerify: true,
				// Import leaves login null (it used to fill verified_addresses); the configuration sets it.
				ImportStateVerifyIgnore: []string{"login"},
				ImportStateCheck:        importedWithoutLogin,
			},
			{
				// Import by credential identifier (the email, in another case) through an import block:
				// without login in the configuration (import leaves it null), the import plans nothing else.
				ResourceName:    identityAddr,
				Config:          env.config(withoutLogin(create)),
				ImportState:     true,
				ImportStateKind: resource.ImportBlockWithID,
				ImportStateId:   strings.ToUpper(email),
			},
			{
				// The same values written differently plan nothing, and need no schema fetch.
				PreConfig:        env.reset,
				Config:           env.config(reformatted),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()}},
				Check:            env.expectSchemaFetches(0),
			},
			{
				// traits, state and metadata: one PATCH; metadata_admin removed is cleared.
				PreConfig: env.reset,
				Config:    env.config(updated),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(identityAddr, plancheck.ResourceActionUpdate),
				}},
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(identityAddr, tfjsonpath.New("state"), knownvalue.StringExact("inactive")),
					statecheck.ExpectKnownValue(identityAddr, tfjsonpath.New("metadata_admin"), knownvalue.Null()),
				},
				Check: resource.ComposeAggregateTestCheckFunc(
					env.expectRequests(map[string]int{"PATCH /admin/identities": 1, "PUT /admin/identities": 0, "POST /admin/identities": 0}),
					// One fetch by the plan and one by the apply: two provider processes.
					env.expectSchemaFetches(2),
					checkIdentity(t, func(id *kratosclient.Identity) error {
						var tr struct {
							Name struct{ Last string } `json:"name"`
							Tags []string              `json:"tags"`
						}
						if err := json.Unmarshal(id.Traits, &tr); err != nil {
							return err
						}
						if tr.Name.Last != "Byron" || len(tr.Tags) != 3 || id.State != "inactive" || len(id.MetadataAdmin) != 0 && string(id.MetadataAdmin) != "null" {
							return fmt.Errorf("Kratos has traits %s, state %s, metadata_admin %s", id.Traits, id.State, id.MetadataAdmin)
						}
						if len(id.VerifiableAddresses) != 1 || id.VerifiableAddresses[0].Value != email2 || !id.VerifiableAddresses[0].Verified {
							return fmt.Errorf("the new address %s should be verified in the same PATCH: %+v", email2, id.VerifiableAddresses)
						}
						return nil
					}),
				),
			},
			{
				// A password change is one PUT carrying the whole plan; login proves it. The address,
				// un-verified outside Terraform, is verified again by one PATCH after the PUT.
				PreConfig: func() {
					unverify(t, email2)
					env.reset()
				},
				Config: env.config(strings.Replace(passwordChanged, `state              = "inactive"`, "", 1)),
				Check: resource.ComposeAggregateTestCheckFunc(
					env.expectRequests(map[string]int{"PUT /admin/identities": 1, "PATCH /admin/identities": 1}),
					checkLogin(t, email2, pw2, true),
					checkLogin(t, email2, pw1, false),
					checkIdentity(t, func(id *kratosclient.Identity) error {
						if len(id.VerifiableAddresses) != 1 || !id.VerifiableAddresses[0].Verified {
							return fmt.Errorf("the address should be verified again: %+v", id.VerifiableAddresses)
						}
						return nil
					}),
				),
			},
			{
				// Changed and un-verified outside Terraform: the plan shows the change and one PATCH reverts both.
				PreConfig: func() {
					id := findIdentityID(t, email2)
					_, err := testClient(t).PatchIdentity(t.Context(), id, []kratosclient.PatchOp{
						{Op: "replace", Path: "/traits/name/last", Value: json.RawMessage(`"Changed-Out-Of-Band"`)},
					})
					if err != nil {
						t.Fatal(err)
					}
					unverify(t, email2)
					env.reset()
				},
				Config: env.config(strings.Replace(passwordChanged, `state              = "inactive"`, "", 1)),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(identityAddr, plancheck.ResourceActionUpdate),
					expectTraitsBefore{want: "Changed-Out-Of-Band"},
				}},
				Check: resource.ComposeAggregateTestCheckFunc(
					env.expectRequests(map[string]int{"PATCH /admin/identities": 1, "PUT /admin/identities": 0}),
					checkIdentity(t, func(id *kratosclient.Identity) error {
						if len(id.VerifiableAddresses) != 1 || !id.VerifiableAddresses[0].Verified || strings.Contains(string(id.Traits), "Changed") {
							return fmt.Errorf("apply should revert traits %s and verify %+v", id.Traits, id.VerifiableAddresses)
						}
						return nil
					}),
				),
			},
			{
				// Deleted outside Terraform: the plan creates it again.
				PreConfig: func() {
					if err := testClient(t).DeleteIdentity(t.Context(), findIdentityID(t, email2)); err != nil {
						t.Fatal(err)
					}
				},
				Config: env.config(strings.Replace(passwordChanged, `state              = "inactive"`, "", 1)),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(identityAddr, plancheck.ResourceActionCreate),
				}},
				Check: checkLogin(t, email2, pw2, true),
			},
			{
				// Delete is one request.
				PreConfig: env.reset,
				Config:    env.config(""),
				Check:     env.expectRequests(map[string]int{"DELETE /admin/identities": 1}),
			},
		},
	})
}

// wrappedText matches text in CLI output, which wraps lines: spaces match any whitespace
// and " * " anything at all.
func wrappedText(text string) *regexp.Regexp {
	parts := strings.Split(text, " * ")
	for i, p := range parts {
		parts[i] = strings.Join(strings.Fields(regexp.QuoteMeta(p)), `\s+`)
	}
	return regexp.MustCompile(`(?s)` + strings.Join(parts, ".*"))
}

// unverify marks the verifiable address of the identity with the credential identifier
// unverified, outside Terraform; the address defaults to the identifier.
func unverify(t *testing.T, identifier string, address ...string) {
	t.Helper()
	addr := identifier
	if len(address) > 0 {
		addr = address[0]
	}
	c := testClient(t)
	id, err := c.GetIdentity(t.Context(), findIdentityID(t, identifier))
	if err != nil {
		t.Fatal(err)
	}
	// A patch's indices follow the order GET lists the addresses in.
	idx := slices.IndexFunc(id.VerifiableAddresses, func(a kratosclient.VerifiableAddress) bool { return a.Value == addr })
	if idx < 0 {
		t.Fatalf("identity %s has no verifiable address %s: %+v", id.ID, addr, id.VerifiableAddresses)
	}
	base := fmt.Sprintf("/verifiable_addresses/%d", idx)
	_, err = c.PatchIdentity(t.Context(), id.ID, []kratosclient.PatchOp{
		{Op: "replace", Path: base + "/verified", Value: json.RawMessage(`false`)},
		{Op: "replace", Path: base + "/status", Value: json.RawMessage(`"pending"`)},
	})
	if err != nil {
		t.Fatal(err)
	}
}

// findIdentityID returns the ID of the identity with the credential identifier.
func findIdentityID(t *testing.T, identifier string) string {
	t.Helper()
	ids, err := kratosclient.Collect(testClient(t).ListIdentities(t.Context(), kratosclient.ListIdentitiesParams{CredentialsIdentifier: identifier}))
	if err != nil || len(ids) != 1 {
		t.Fatalf("looking up %s: %d identities, %v", identifier, len(ids), err)
	}
	return ids[0].ID
}

// TestAccIdentityResource_unlinkLastSignIn unlinks the only social sign-in of an identity without
// a password: Kratos v1.x allows it; v25.4.0 and later refuse the last first factor, which the
// error names on login.oidc_providers, and adding a password in the same apply lets the unlink through.
func TestAccIdentityResource_unlinkLastSignIn(t *testing.T) {
	env := newIdentityEnv(t)
	email := randomEmail("lastsignin")
	cfg := func(providers, password string) string {
		return env.config(fmt.Sprintf(`
resource "kratos_identity" "test" {
  schema_id = "minimal"
  traits    = jsonencode({ email = %q })
  login = {
    oidc_providers = [%s]
    %s
  }
}
`, email, providers, password))
	}
	unlinked := cfg("", "")
	var steps []resource.TestStep
	steps = append(steps, resource.TestStep{Config: cfg(`{ provider = "github", subject = "last-1" }`, "")})
	if kratostest.Version() == kratostest.V1 {
		steps = append(steps, resource.TestStep{Config: unlinked})
	} else {
		steps = append(steps,
			resource.TestStep{Config: unlinked, ExpectError: expectError("Last sign-in method", "github:last-1", "Add a password")},
			resource.TestStep{Config: cfg("", `password = "Last-Sign-In-Pw-9"`), Check: checkLogin(t, email, "Last-Sign-In-Pw-9", true)},
		)
	}
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		CheckDestroy:             checkIdentityDestroyed(t),
		Steps:                    steps,
	})
}

func TestAccIdentityResource_hashedPasswordAndOIDC(t *testing.T) {
	env := newIdentityEnv(t)
	email := randomEmail("hash")
	const password = "correct horse battery staple"
	hash, err := bcrypt.GenerateFromPassword([]byte(password), 4)
	if err != nil {
		t.Fatal(err)
	}
	cfg := func(providers string) string {
		return env.config(fmt.Sprintf(`
resource "kratos_identity" "test" {
  schema_id = "minimal"
  traits    = jsonencode({ email = %q })
  login = {
    hashed_password = %q
    oidc_providers  = [%s]
  }
  # Kratos stores a JSON null as no metadata; this must not be a perpetual difference.
  metadata_public = jsonencode(null)
}
`, email, string(hash), providers))
	}
	oidcIdentifiers := func(want ...string) resource.TestCheckFunc {
		return checkIdentity(t, func(id *kratosclient.Identity) error {
			got := id.Credentials["oidc"].Identifiers
			slices.Sort(got)
			if !slices.Equal(got, want) {
				return fmt.Errorf("oidc identifiers %v, want %v", got, want)
			}
			return nil
		}, "oidc")
	}
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		CheckDestroy:             checkIdentityDestroyed(t),
		Steps: []resource.TestStep{
			{
				PreConfig: env.reset,
				Config:    cfg(`{ provider = "github", subject = "1001" }`),
				Check: resource.ComposeAggregateTestCheckFunc(
					env.expectRequests(map[string]int{"POST /admin/identities": 1}),
					checkLogin(t, email, password, true),
					oidcIdentifiers("github:1001"),
				),
			},
			{
				// Linking is one PUT that sends only the new provider.
				PreConfig: env.reset,
				Config:    cfg(`{ provider = "github", subject = "1001" }, { provider = "google", subject = "g-2:x" }`),
				Check: resource.ComposeAggregateTestCheckFunc(
					env.expectRequests(map[string]int{"PUT /admin/identities": 1, "PATCH /admin/identities": 0}),
					oidcIdentifiers("github:1001", "google:g-2:x"),
					checkLogin(t, email, password, true),
				),
			},
			{
				// Unlinking deletes the one credential identifier.
				PreConfig: env.reset,
				Config:    cfg(`{ provider = "google", subject = "g-2:x" }`),
				Check: resource.ComposeAggregateTestCheckFunc(
					env.expectRequests(map[string]int{"DELETE /admin/identities": 1, "PUT /admin/identities": 0, "PATCH /admin/identities": 0}),
					oidcIdentifiers("google:g-2:x"),
				),
			},
			{
				// Unlinked outside Terraform: the plan links it again.
				PreConfig: func() {
					err := testClient(t).DeleteIdentityCredentials(t.Context(), findIdentityID(t, email), "oidc", "google:g-2:x")
					if err != nil {
						t.Fatal(err)
					}
				},
				Config: cfg(`{ provider = "google", subject = "g-2:x" }`),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(identityAddr, plancheck.ResourceActionUpdate),
				}},
				Check: oidcIdentifiers("google:g-2:x"),
			},
			{
				// Import by a social sign-in's provider:subject, whose subject holds a colon too.
				ResourceName:      identityAddr,
				ImportState:       true,
				ImportStateId:     "google:g-2:x",
				ImportStateVerify: true,
				// Import leaves login null (it used to report the linked oidc_providers; hashed_password is
				// never read back); metadata_public is the configured JSON null, which Kratos stores as none.
				ImportStateVerifyIgnore: []string{"login", "metadata_public"},
				ImportStateCheck:        importedWithoutLogin,
			},
		},
	})
}

func TestAccIdentityResource_writeOnlyPassword(t *testing.T) {
	env := newIdentityEnv(t)
	email := randomEmail("wo")
	const pw1, pw2 = "write-only-Passw0rd-1", "write-only-Passw0rd-2"
	cfg := func(pw string, v int) string {
		return env.config(fmt.Sprintf(`
resource "kratos_identity" "test" {
  schema_id = "minimal"
  traits    = jsonencode({ email = %q })
  login = {
    password_wo         = %q
    password_wo_version = %d
  }
}
`, email, pw, v))
	}
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		TerraformVersionChecks:   []tfversion.TerraformVersionCheck{tfversion.SkipBelow(version.Must(version.NewVersion("1.11.0")))},
		CheckDestroy:             checkIdentityDestroyed(t),
		Steps: []resource.TestStep{
			{
				Config: cfg(pw1, 1),
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(identityAddr, tfjsonpath.New("login").AtMapKey("password_wo"), knownvalue.Null()),
					statecheck.ExpectKnownValue(identityAddr, tfjsonpath.New("login").AtMapKey("password_wo_version"), knownvalue.Int64Exact(1)),
				},
				Check: checkLogin(t, email, pw1, true),
			},
			{
				// A new write-only value alone is invisible to Terraform: nothing is sent.
				Config:   cfg(pw2, 1),
				PlanOnly: true,
			},
			{
				PreConfig: env.reset,
				Config:    cfg(pw2, 2),
				Check: resource.ComposeAggregateTestCheckFunc(
					env.expectRequests(map[string]int{"PUT /admin/identities": 1, "PATCH /admin/identities": 0}),
					checkLogin(t, email, pw2, true),
					checkLogin(t, email, pw1, false),
				),
			},
		},
	})
}

func TestAccIdentityResource_errors(t *testing.T) {
	env := newIdentityEnv(t)
	taken, fresh := randomEmail("taken"), randomEmail("fresh")
	existing, err := testClient(t).CreateIdentity(t.Context(), kratosclient.CreateIdentityBody{
		SchemaID: "minimal", Traits: json.RawMessage(fmt.Sprintf(`{"email":%q}`, taken)),
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = testClient(t).DeleteIdentity(context.WithoutCancel(t.Context()), existing.ID) })
	// The same string as one identity's username and another's social sign-in makes an ambiguous import ID.
	amb := strings.TrimSuffix(randomEmail("amb"), "@example.org") + ":1"
	for _, body := range []kratosclient.CreateIdentityBody{
		{SchemaID: "default", Traits: json.RawMessage(fmt.Sprintf(`{"email":%q,"username":%q}`, randomEmail("amb1"), amb))},
		{SchemaID: "default", Traits: json.RawMessage(fmt.Sprintf(`{"email":%q}`, randomEmail("amb2"))), Credentials: &kratosclient.CredentialsImport{
			OIDC: &kratosclient.OIDCImport{Config: kratosclient.OIDCImportConfig{Providers: []kratosclient.OIDCProvider{{Provider: strings.TrimSuffix(amb, ":1"), Subject: "1"}}}},
		}},
	} {
		created, err := testClient(t).CreateIdentity(t.Context(), body)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = testClient(t).DeleteIdentity(context.WithoutCancel(t.Context()), created.ID) })
	}
	one := func(body string) string {
		return env.config(`resource "kratos_identity" "test" {` + "\n" + body + "\n}")
	}
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{
				// Plan-time validation names the JSON path and the rule.
				Config:      one(`schema_id = "employee"` + "\n" + `traits = jsonencode({ email = "e@example.org", department = "hr", employee_id = 0 })`),
				PlanOnly:    true,
				ExpectError: regexp.MustCompile(`(?s)at\s+/traits/department:\s+value\s+must\s+be\s+one\s+of.*rule\s+"enum".*at\s+/traits/employee_id:\s+minimum.*rule\s+"minimum"`),
			},
			{
				Config:      one(`schema_id = "employee"` + "\n" + `traits = jsonencode({ email = "e@example.org" })`),
				PlanOnly:    true,
				ExpectError: regexp.MustCompile(`(?s)at\s+/traits:\s+missing\s+property\s+'department'.*rule\s+"required"`),
			},
			{
				// Text that is not JSON, or empty, is an error on the attribute, not a crash.
				Config:      one(`schema_id = "minimal"` + "\n" + `traits = "{\"email\": "` + "\n" + `metadata_admin = ""`),
				PlanOnly:    true,
				ExpectError: regexp.MustCompile(`(?s)Invalid JSON.*traits.*Invalid JSON.*metadata_admin|(?s)Invalid JSON.*metadata_admin.*Invalid JSON.*traits`),
			},
			{
				// A bare number would leave an identity Kratos can no longer read.
				Config:      one(`schema_id = "minimal"` + "\n" + `traits = jsonencode({ email = "e@example.org" })` + "\n" + `metadata_public = jsonencode(7)`),
				PlanOnly:    true,
				ExpectError: regexp.MustCompile(`(?s)Unsupported metadata.*bare\s+number`),
			},
			{
				Config:      one(`schema_id = "nope"` + "\n" + `traits = jsonencode({ email = "e@example.org" })`),
				PlanOnly:    true,
				ExpectError: regexp.MustCompile(`Unknown identity schema`),
			},
			{
				Config:      one(`traits = jsonencode({ email = "e@example.org" })` + "\n" + `login = { hashed_password = "plain-text-is-not-a-hash" }`),
				PlanOnly:    true,
				ExpectError: regexp.MustCompile(`(?s)Unrecognised password hash format.*\$argon2id\$`),
			},
			{
				// A conflict names the identifier and the identity, and suggests importing.
				Config:      one(`schema_id = "minimal"` + "\n" + fmt.Sprintf(`traits = jsonencode({ email = %q })`, strings.ToUpper(taken))),
				ExpectError: wrappedText(fmt.Sprintf("identifier already taken * %q is an identifier of identity %s. * import it", taken, existing.ID)),
			},
			{
				// Schema errors Kratos finds (here: no schema_id, so no plan-time check) point at traits.
				Config:      one(`traits = jsonencode({ email = "x@example.org", unknown = 1 })`),
				ExpectError: regexp.MustCompile(`(?s)traits rejected by the identity schema.*I\[#/traits\]`),
			},
			{
				Config: one(`schema_id = "minimal"` + "\n" + fmt.Sprintf(`traits = jsonencode({ email = %q })`, fresh)),
			},
			{
				// On update too, the conflict names the other identity, not this one.
				Config:      one(`schema_id = "minimal"` + "\n" + fmt.Sprintf(`traits = jsonencode({ email = %q })`, taken)),
				ExpectError: wrappedText(fmt.Sprintf("Unable to Update Identity: identifier already taken * %q is an identifier of identity %s.", taken, existing.ID)),
			},
			{
				// An address the traits do not produce is named.
				Config: one(`schema_id = "minimal"` + "\n" + `traits = jsonencode({ email = "nv@example.org" })` + "\n" +
					`login = { verified_addresses = ["nv@example.org"] }`),
				ExpectError: regexp.MustCompile(`(?s)Address not produced by the traits.*nv@example.org`),
			},
			{
				ResourceName:  identityAddr,
				ImportState:   true,
				ImportStateId: "nobody-" + taken,
				ExpectError:   wrappedText("Identity not found * no identity has it"),
			},
			{
				// A blank ID is not an identifier filter that matches every identity.
				ResourceName:  identityAddr,
				ImportState:   true,
				ImportStateId: " ",
				ExpectError:   wrappedText("Empty import ID"),
			},
			{
				ResourceName:  identityAddr,
				ImportState:   true,
				ImportStateId: amb,
				ExpectError:   wrappedText(fmt.Sprintf("Ambiguous identifier * %q is a credential identifier of 2 identities", amb)),
			},
		},
	})
}

func TestAccIdentityResource_schemaFetchedOncePerProcess(t *testing.T) {
	env := newIdentityEnv(t)
	var hcl strings.Builder
	const n = 3
	for i := range n {
		fmt.Fprintf(&hcl, `
resource "kratos_identity" "e%d" {
  schema_id = "employee"
  traits    = jsonencode({ email = %q, department = "eng", employee_id = %d })
}
`, i, randomEmail("cache"), i+1)
	}
	// Kratos's validator rejects 1.0E1 as an integer; the provider sends it as 10.
	fmt.Fprintf(&hcl, `
resource "kratos_identity" "spelled" {
  schema_id = "employee"
  traits    = <<-EOT
    {"email": %q, "department": "ops", "employee_id": 1.0E1}
  EOT
}
`, randomEmail("spelled"))
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		CheckDestroy:             checkIdentityDestroyed(t),
		Steps: []resource.TestStep{
			{
				PreConfig: env.reset,
				Config:    env.config(hcl.String()),
				// Four identities validated in the plan and again in the apply: without the
				// per-process cache that would be eight fetches.
				Check: resource.ComposeAggregateTestCheckFunc(
					env.expectRequests(map[string]int{"POST /admin/identities": n + 1}),
					env.expectSchemaFetches(2),
					func(*terraform.State) error {
						if env.public.count(http.MethodGet, "/schemas/employee") == 0 {
							return fmt.Errorf("the traits were not validated at plan time: no schema fetch")
						}
						return nil
					},
				),
			},
		},
	})
}

func TestAccIdentityResource_lostCreateResponse(t *testing.T) {
	env := newIdentityEnv(t)
	checkLog := traceLog(t)
	emails := []string{randomEmail("lost"), randomEmail("lost504"), randomEmail("neversent")}
	cfg := func(n int) string {
		var hcl strings.Builder
		for i := range n {
			fmt.Fprintf(&hcl, `
resource "kratos_identity" "lost%d" {
  schema_id = "default"
  traits    = jsonencode({ email = %q, name = { first = "Lost" } })
}
`, i, emails[i])
		}
		return env.config(hcl.String())
	}
	isCreate := func(r *http.Request) bool { return r.Method == http.MethodPost && r.URL.Path == "/admin/identities" }
	// adopted checks that Kratos created the identity once and that the state tracks it.
	adopted := func(i int) resource.TestCheckFunc {
		return func(s *terraform.State) error {
			if env.admin.droppedCount() != i+1 {
				return fmt.Errorf("the proxy should have lost %d answers, lost %d", i+1, env.admin.droppedCount())
			}
			rs, ok := s.RootModule().Resources[fmt.Sprintf("kratos_identity.lost%d", i)]
			if !ok {
				return fmt.Errorf("lost%d not in state", i)
			}
			if got := findIdentityID(t, emails[i]); got != rs.Primary.ID {
				return fmt.Errorf("state has %s, Kratos has %s", rs.Primary.ID, got)
			}
			return nil
		}
	}
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		CheckDestroy:             checkIdentityDestroyed(t),
		Steps: []resource.TestStep{
			{
				// The connection breaks after Kratos created the identity.
				PreConfig: func() {
					env.reset()
					env.admin.dropNext(lossAfterKratos, isCreate)
				},
				Config: cfg(1),
				Check:  resource.ComposeAggregateTestCheckFunc(env.expectRequests(map[string]int{"POST /admin/identities": 1}), adopted(0)),
			},
			{
				// A gateway answers 504 although Kratos created the identity.
				PreConfig: func() {
					env.reset()
					env.admin.dropNext(lossGatewayTimeout, isCreate)
				},
				Config: cfg(2),
				Check:  resource.ComposeAggregateTestCheckFunc(env.expectRequests(map[string]int{"POST /admin/identities": 1}), adopted(1)),
			},
			{
				// The request never reached Kratos: the lookup finds nothing, and the create is sent once more.
				PreConfig: func() {
					env.reset()
					env.admin.dropNext(lossBeforeKratos, isCreate)
				},
				Config: cfg(3),
				Check:  resource.ComposeAggregateTestCheckFunc(env.expectRequests(map[string]int{"POST /admin/identities": 2}), adopted(2)),
			},
		},
	})
	// TF_LOG=debug shows each recovery: what was lost, and what the lookup found.
	logs := checkLog()
	for _, want := range []string{"Create answer lost; looking for the identity Kratos may have created", "Adopted the identity Kratos had created", "No identity found; creating it again"} {
		if !strings.Contains(logs, want) {
			t.Errorf("the log lacks %q", want)
		}
	}
}

// traceLog sends the CLI's and the provider's trace logs to a file (KEEP_LOG names it) and
// returns a function that fails the test if the log holds one of the secrets, and otherwise
// returns the log.
func traceLog(t *testing.T) func(secrets ...string) string {
	t.Helper()
	logFile := filepath.Join(t.TempDir(), "tf.log")
	if keep := os.Getenv("KEEP_LOG"); keep != "" {
		logFile = keep
	}
	t.Setenv("TF_LOG", "TRACE")
	t.Setenv("TF_ACC_LOG_PATH", logFile)
	t.Setenv("TF_LOG_PATH", logFile)
	return func(secrets ...string) string {
		t.Helper()
		logs, err := os.ReadFile(logFile)
		if err != nil {
			t.Fatal(err)
		}
		for _, want := range []string{"sdk.framework", "ApplyResourceChange", "Kratos request succeeded"} {
			if !strings.Contains(string(logs), want) {
				t.Fatalf("the trace log (%d bytes) lacks %q: it does not hold the provider's, the client's and the CLI's logs", len(logs), want)
			}
		}
		for _, secret := range secrets {
			if strings.Contains(string(logs), secret) {
				t.Errorf("a secret appears in the trace log %s", logFile)
			}
		}
		return string(logs)
	}
}

func TestAccIdentityResource_noSecretsInLogs(t *testing.T) {
	env := newIdentityEnv(t)
	checkLog := traceLog(t)
	email := randomEmail("logs")
	const password, password2 = "Secret-Passw0rd-That-Must-Not-Leak", "Another-Secret-Passw0rd-Not-Leaked"
	hash, err := bcrypt.GenerateFromPassword([]byte("x"), 4)
	if err != nil {
		t.Fatal(err)
	}
	// The secrets reach the configuration through sensitive variables set in the environment,
	// so that the test harness's own log of the configuration does not hold them.
	cfg := env.config(fmt.Sprintf(`
variable "password" {
  type      = string
  sensitive = true
  default   = null
}
variable "hash" {
  type      = string
  sensitive = true
  default   = null
}
resource "kratos_identity" "test" {
  schema_id = "default"
  traits    = jsonencode({ email = %q })
  login = {
    password        = var.password == "" ? null : var.password
    hashed_password = var.hash == "" ? null : var.hash
  }
}
`, email))
	use := func(pw, h string) func() {
		return func() {
			t.Setenv("TF_VAR_password", pw)
			t.Setenv("TF_VAR_hash", h)
		}
	}
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		CheckDestroy:             checkIdentityDestroyed(t),
		Steps: []resource.TestStep{
			{PreConfig: use(password, ""), Config: cfg, Check: checkLogin(t, email, password, true)},
			{PreConfig: use(password2, ""), Config: cfg, Check: checkLogin(t, email, password2, true)},
			{PreConfig: use("", string(hash)), Config: cfg, Check: checkLogin(t, email, "x", true)},
		},
	})
	checkLog(password, password2, string(hash))
}

func TestAccIdentityResource_noWriteOnlySecretsInLogs(t *testing.T) {
	env := newIdentityEnv(t)
	checkLog := traceLog(t)
	email := randomEmail("wologs")
	const password, password2 = "Write-Only-Passw0rd-That-Must-Not-Leak", "Write-Only-Passw0rd-Not-Leaked-Either"
	cfg := func(version int) string {
		return env.config(fmt.Sprintf(`
variable "password" {
  type      = string
  sensitive = true
  ephemeral = true
}
resource "kratos_identity" "test" {
  schema_id = "minimal"
  traits    = jsonencode({ email = %q })
  login = {
    password_wo         = var.password
    password_wo_version = %d
  }
}
`, email, version))
	}
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		TerraformVersionChecks:   []tfversion.TerraformVersionCheck{tfversion.SkipBelow(version.Must(version.NewVersion("1.11.0")))},
		CheckDestroy:             checkIdentityDestroyed(t),
		Steps: []resource.TestStep{
			{PreConfig: func() { t.Setenv("TF_VAR_password", password) }, Config: cfg(1), Check: checkLogin(t, email, password, true)},
			{PreConfig: func() { t.Setenv("TF_VAR_password", password2) }, Config: cfg(2), Check: checkLogin(t, email, password2, true)},
		},
	})
	checkLog(password, password2)
}

// TestAccIdentityResource_failedUpdate proves that an update Kratos rejects is not recorded as
// made: the password, which cannot be read back, is sent again at the next apply.
func TestAccIdentityResource_failedUpdate(t *testing.T) {
	env := newIdentityEnv(t)
	mine, taken := randomEmail("mine"), randomEmail("taken")
	const pw1, pw2 = "failed-update-Passw0rd-1", "failed-update-Passw0rd-2"
	existing, err := testClient(t).CreateIdentity(t.Context(), kratosclient.CreateIdentityBody{
		SchemaID: "minimal", Traits: json.RawMessage(fmt.Sprintf(`{"email":%q}`, taken)),
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = testClient(t).DeleteIdentity(context.WithoutCancel(t.Context()), existing.ID) })
	cfg := func(email, pw string) string {
		return env.config(fmt.Sprintf(`
resource "kratos_identity" "test" {
  schema_id = "minimal"
  traits    = jsonencode({ email = %q })
  login     = { password = %q }
}
`, email, pw))
	}
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		CheckDestroy:             checkIdentityDestroyed(t),
		Steps: []resource.TestStep{
			{Config: cfg(mine, pw1), Check: checkLogin(t, mine, pw1, true)},
			{
				// The PUT carrying the new password fails on the taken email.
				Config:      cfg(taken, pw2),
				ExpectError: wrappedText("identifier already taken"),
			},
			{
				PreConfig: env.reset,
				Config:    cfg(mine, pw2),
				Check: resource.ComposeAggregateTestCheckFunc(
					env.expectRequests(map[string]int{"PUT /admin/identities": 1, "PATCH /admin/identities": 0}),
					checkLogin(t, mine, pw2, true),
				),
			},
		},
	})
}

// TestAccIdentityResource_traitsEdit edits a trait that the identity schema derives nothing from,
// then the email, which is a login identifier and a verified address: each is one update with a
// plan Terraform accepts (nothing is computed from the traits in the state), and Kratos derives the
// identifier and keeps the new address verified.
func TestAccIdentityResource_traitsEdit(t *testing.T) {
	env := newIdentityEnv(t)
	email, email2 := randomEmail("derived"), randomEmail("derived2")
	user := strings.TrimSuffix(email, "@example.org")
	cfg := func(mail, last string) string {
		return env.config(fmt.Sprintf(`
resource "kratos_identity" "test" {
  schema_id          = "default"
  traits             = jsonencode({ email = %q, username = %q, name = { first = "Ada", last = %q } })
  login              = { password = "derived-Passw0rd-for-test", verified_addresses = [%q] }
}
`, mail, user, last, mail))
	}
	update := resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{plancheck.ExpectResourceAction(identityAddr, plancheck.ResourceActionUpdate)}}
	empty := resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()}}
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		CheckDestroy:             checkIdentityDestroyed(t),
		Steps: []resource.TestStep{
			{PreConfig: env.reset, Config: cfg(email, "Lovelace")},
			{Config: cfg(email, "Byron"), ConfigPlanChecks: update, Check: checkIdentity(t, hasIdentifiers("password", email, user))},
			{Config: cfg(email, "Byron"), ConfigPlanChecks: empty},
			{
				Config: cfg(email2, "Byron"), ConfigPlanChecks: update,
				Check: resource.ComposeAggregateTestCheckFunc(checkIdentity(t, hasIdentifiers("password", email2, user)), checkIdentity(t, hasVerifiedAddresses(email2))),
			},
			{Config: cfg(email2, "Byron"), ConfigPlanChecks: empty},
		},
	})
}
