package provider

import (
	"context"
	"encoding/json"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/hashicorp/go-version"
	"github.com/hashicorp/terraform-plugin-testing/config"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"
	"github.com/hashicorp/terraform-plugin-testing/tfversion"

	"github.com/kratos-tf/terraform-provider-kratos/internal/kratosclient"
	"github.com/kratos-tf/terraform-provider-kratos/internal/kratostest"
)

// examplesDir holds the examples that tfplugindocs reads, relative to this package.
const examplesDir = "../../examples"

// exampleKinds are the folders of examplesDir that TestAccExamples applies; examples/demo has make demo.
var exampleKinds = []string{"provider", "resources", "data-sources", "ephemeral-resources"}

// exampleVariables are the values of the examples' variables that have no default.
var exampleVariables = map[string]string{"ada_initial_password": testPassword}

// exampleProviderCheck is added to an example without objects (provider.tf): it uses the admin and public URLs.
const exampleProviderCheck = `
data "kratos_identities" "provider_check" {
  limit = 1
}

data "kratos_identity_schemas" "provider_check" {}
`

// Patterns over an example's text; examples are formatted by terraform fmt, so blocks start a line.
var (
	exampleBlock        = regexp.MustCompile(`(?m)^(resource|data)\s+"([\w-]+)"\s+"([\w-]+)"`)
	exampleOutput       = regexp.MustCompile(`(?m)^output\s+"([\w-]+)"`)
	exampleVariable     = regexp.MustCompile(`(?m)^variable\s+"([\w-]+)"`)
	exampleObject       = regexp.MustCompile(`(?m)^(resource|data|ephemeral)\s+"`)
	exampleEphemeral    = regexp.MustCompile(`(?m)^ephemeral\s+"`)
	exampleWriteOnly    = regexp.MustCompile(`(?m)^\s+\w+_wo\s*=`)
	exampleCreates      = regexp.MustCompile(`(?m)^resource\s+"kratos_identity"`)
	exampleImports      = regexp.MustCompile(`(?m)^import\s*\{`)
	exampleProviderURLs = regexp.MustCompile(`(?m)^(\s*(admin_url|public_url)\s*=\s*)"[^"]*"`)
)

// exampleFixtures are the IDs of the identities and the session that the examples refer to.
type exampleFixtures struct {
	// adaID is ada@example.org (username ada, Ada Lovelace, verified email, password testPassword).
	adaID string
	// adaSessionID is Ada's session from a sign-in through the public login flow.
	adaSessionID string
	// graceID is grace@example.org (Grace Hopper, password testPassword), linked to github:123456.
	graceID string
}

// TestAccExamples applies every .tf example, as written, against a Kratos of its own, then destroys it.
func TestAccExamples(t *testing.T) {
	// Each subtest proves that a re-plan is empty, that every declared object is in the state and every
	// output has a value, checks what the example promises, and that the destroy leaves only the fixtures.
	skipWithoutAcc(t)
	files := exampleFiles(t)
	for file := range exampleExpectations {
		if !slices.Contains(files, file) {
			t.Errorf("exampleExpectations names %s, which is not an example (renamed?)", file)
		}
	}
	inst := kratostest.StartT(t, kratostest.Options{})
	// The seeding helpers, testClient and testAccPreCheck use testKratos: this test seeds and deletes
	// identities, so they must act on its own Kratos, not on the shared one.
	setForTest(t, &testKratos, inst)
	t.Setenv(envAdminURL, inst.AdminURL)
	t.Setenv(envPublicURL, inst.PublicURL)
	// provider.tf requires source "kratos-tf/kratos": serve the provider under that address.
	t.Setenv(resource.EnvTfAccProviderNamespace, "kratos-tf")
	for _, file := range files {
		t.Run(file, func(t *testing.T) { testAccExample(t, inst, file) })
	}
}

// testAccExample applies one example against inst, then destroys what it created.
func testAccExample(t *testing.T, inst *kratostest.Instance, file string) {
	src, err := os.ReadFile(filepath.Join(examplesDir, file))
	if err != nil {
		t.Fatal(err)
	}
	text := string(src)
	if ids, err := allIdentityIDs(t.Context(), t); err != nil || len(ids) > 0 {
		t.Fatalf("Kratos is not clean before the example: identities %v are left from an earlier one (list error: %v)", ids, err)
	}
	// Registered first, so it runs last: whatever a failed example left is removed for the next one.
	t.Cleanup(func() { deleteAllIdentities(t) })
	// Examples that create identities start from an empty Kratos (their identities would collide with
	// the fixtures); the others (lookups, imports) find the fixtures.
	var fx exampleFixtures
	if !exampleCreates.MatchString(text) || exampleImports.MatchString(text) {
		fx = seedExampleFixtures(t)
	}
	cfg := exampleConfig(text, inst)
	checks := declaredChecks(cfg)
	if expect, ok := exampleExpectations[file]; ok {
		checks = append(checks, expect(t, fx)...)
	}
	vars := exampleConfigVariables(text)
	// The destroy is a step of its own and every check reads the JSON state: terraform-plugin-testing's
	// legacy state (Check, CheckDestroy, its own final destroy) fails on for_each instances.
	resource.Test(t, resource.TestCase{
		PreCheck:                 func() { testAccPreCheck(t) },
		TerraformVersionChecks:   exampleVersionChecks(text),
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{
				Config:            cfg,
				ConfigVariables:   vars,
				ConfigStateChecks: checks,
				ConfigPlanChecks:  resource.ConfigPlanChecks{PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()}},
			},
			{
				Config:            cfg,
				ConfigVariables:   vars,
				Destroy:           true,
				ConfigStateChecks: []statecheck.StateCheck{onlyFixturesLeft{t: t, fx: fx}},
			},
		},
	})
}

// exampleFiles returns the .tf files (not import.sh) of the example folders, relative to examplesDir.
func exampleFiles(t *testing.T) []string {
	t.Helper()
	var files []string
	for _, kind := range exampleKinds {
		n := len(files)
		err := filepath.WalkDir(filepath.Join(examplesDir, kind), func(path string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() || filepath.Ext(path) != ".tf" {
				return err
			}
			rel, err := filepath.Rel(examplesDir, path)
			files = append(files, filepath.ToSlash(rel))
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		if len(files) == n {
			t.Fatalf("no .tf example in %s/%s", examplesDir, kind)
		}
	}
	return files
}

// exampleConfig points the example at inst: only a provider block's literal URLs are replaced.
func exampleConfig(text string, inst *kratostest.Instance) string {
	// Examples without a provider block get the provider configured through KRATOS_ADMIN_URL and
	// KRATOS_PUBLIC_URL, which TestAccExamples sets.
	text = exampleProviderURLs.ReplaceAllStringFunc(text, func(m string) string {
		parts := exampleProviderURLs.FindStringSubmatch(m)
		url := inst.AdminURL
		if parts[2] == "public_url" {
			url = inst.PublicURL
		}
		return fmt.Sprintf("%s%q", parts[1], url)
	})
	if !exampleObject.MatchString(text) {
		text += exampleProviderCheck
	}
	return text
}

// exampleConfigVariables gives the example's variables their values from exampleVariables.
func exampleConfigVariables(text string) config.Variables {
	vars := config.Variables{}
	for _, m := range exampleVariable.FindAllStringSubmatch(text, -1) {
		if v, ok := exampleVariables[m[1]]; ok {
			vars[m[1]] = config.StringVariable(v)
		}
	}
	if len(vars) == 0 {
		return nil
	}
	return vars
}

// exampleVersionChecks skip an example on CLIs without the ephemeral resources or write-only attributes it uses.
func exampleVersionChecks(text string) []tfversion.TerraformVersionCheck {
	// Write-only attributes need Terraform 1.11, ephemeral resources 1.10; OpenTofu 1.11 and later
	// report versions above both.
	if exampleWriteOnly.MatchString(text) {
		return []tfversion.TerraformVersionCheck{tfversion.SkipBelow(version.Must(version.NewVersion("1.11.0")))}
	}
	if exampleEphemeral.MatchString(text) {
		return ephemeralVersionChecks
	}
	return nil
}

// declaredChecks check that every declared resource and data source is in the state and no output is empty.
func declaredChecks(cfg string) []statecheck.StateCheck {
	var addresses []string
	for _, m := range exampleBlock.FindAllStringSubmatch(cfg, -1) {
		addr := m[2] + "." + m[3]
		if m[1] == "data" {
			addr = "data." + addr
		}
		addresses = append(addresses, addr)
	}
	checks := []statecheck.StateCheck{expectDeclaredInState{addresses: addresses}}
	for _, m := range exampleOutput.FindAllStringSubmatch(cfg, -1) {
		checks = append(checks, statecheck.ExpectKnownOutputValue(m[1], notEmpty{}))
	}
	return checks
}

// expectDeclaredInState checks that each address, or an instance of it, is in the state.
type expectDeclaredInState struct{ addresses []string }

// CheckState implements statecheck.StateCheck.
func (c expectDeclaredInState) CheckState(_ context.Context, req statecheck.CheckStateRequest, resp *statecheck.CheckStateResponse) {
	var got []string
	if req.State != nil && req.State.Values != nil && req.State.Values.RootModule != nil {
		for _, r := range req.State.Values.RootModule.Resources {
			got = append(got, r.Address)
		}
	}
	for _, addr := range c.addresses {
		if !slices.ContainsFunc(got, func(g string) bool { return g == addr || strings.HasPrefix(g, addr+"[") }) {
			resp.Error = fmt.Errorf("%s is declared but not in the state (state has %v)", addr, got)
			return
		}
	}
}

// notEmpty is a knownvalue.Check that fails on null, "" and an empty list, set, map or object.
type notEmpty struct{}

// CheckValue implements knownvalue.Check.
func (notEmpty) CheckValue(v any) error {
	switch v := v.(type) {
	case nil:
		return fmt.Errorf("value is null")
	case string:
		if v == "" {
			return fmt.Errorf("value is an empty string")
		}
	case []any:
		if len(v) == 0 {
			return fmt.Errorf("value is an empty list")
		}
	case map[string]any:
		if len(v) == 0 {
			return fmt.Errorf("value is an empty map or object")
		}
	}
	return nil
}

// String implements knownvalue.Check.
func (notEmpty) String() string { return "not empty" }

// seedExampleFixtures creates the identities the examples look up and signs Ada in once.
func seedExampleFixtures(t *testing.T) exampleFixtures {
	t.Helper()
	ada := seedBody("ada@example.org")
	ada.SchemaID = kratostest.SchemaDefault
	ada.Traits = json.RawMessage(`{"email":"ada@example.org","username":"ada","name":{"first":"Ada","last":"Lovelace"}}`)
	ada.VerifiableAddresses = []kratosclient.VerifiableAddressImport{{Value: "ada@example.org", Verified: true, Via: "email", Status: "completed"}}
	grace := seedBody("grace@example.org")
	grace.SchemaID = kratostest.SchemaDefault
	grace.Traits = json.RawMessage(`{"email":"grace@example.org","name":{"first":"Grace","last":"Hopper"}}`)
	grace.Credentials.OIDC = &kratosclient.OIDCImport{Config: kratosclient.OIDCImportConfig{
		Providers: []kratosclient.OIDCProvider{{Provider: "github", Subject: "123456"}},
	}}
	fx := exampleFixtures{adaID: seedIdentity(t, ada).ID, graceID: seedIdentity(t, grace).ID}
	fx.adaSessionID = seedLogins(t, "ada@example.org", 1)[0].SessionID
	return fx
}

// allIdentityIDs lists the IDs of every identity in Kratos.
func allIdentityIDs(ctx context.Context, t *testing.T) ([]string, error) {
	t.Helper()
	identities, err := kratosclient.Collect(testClient(t).ListIdentities(ctx, kratosclient.ListIdentitiesParams{}))
	return identityIDs(identities), err
}

// deleteAllIdentities deletes every identity in Kratos; it runs in cleanups, after t.Context is done.
func deleteAllIdentities(t *testing.T) {
	t.Helper()
	ids, err := allIdentityIDs(context.Background(), t)
	if err != nil {
		t.Errorf("list identities: %v", err)
	}
	for _, id := range ids {
		if err := testClient(t).DeleteIdentity(context.Background(), id); err != nil && !kratosclient.IsNotFound(err) {
			t.Errorf("delete identity %s: %v", id, err)
		}
	}
}

// onlyFixturesLeft checks through the admin API that the only identities left are the fixtures.
type onlyFixturesLeft struct {
	t  *testing.T
	fx exampleFixtures
}

// CheckState implements statecheck.StateCheck.
func (c onlyFixturesLeft) CheckState(ctx context.Context, _ statecheck.CheckStateRequest, resp *statecheck.CheckStateResponse) {
	ids, err := allIdentityIDs(ctx, c.t)
	if err != nil {
		resp.Error = err
		return
	}
	for _, id := range ids {
		if id != c.fx.adaID && id != c.fx.graceID {
			resp.Error = fmt.Errorf("identity %s is left after destroy", id)
			return
		}
	}
}

// stateless runs a check that reads Kratos, not the state, as a state check.
type stateless struct{ check resource.TestCheckFunc }

// CheckState implements statecheck.StateCheck.
func (c stateless) CheckState(_ context.Context, _ statecheck.CheckStateRequest, resp *statecheck.CheckStateResponse) {
	resp.Error = c.check(nil)
}

// identityWith checks through the API that exactly one identity has the login identifier, and
// that it passes check.
func identityWith(t *testing.T, identifier string, check func(*kratosclient.Identity) error) stateless {
	return stateless{func(*terraform.State) error {
		found, err := findByIdentifier(t.Context(), testClient(t), identifier)
		if err != nil || len(found) != 1 {
			return fmt.Errorf("identities with %s: %d (%v), want 1", identifier, len(found), err)
		}
		identity, err := testClient(t).GetIdentity(t.Context(), found[0].ID)
		if err != nil {
			return err
		}
		return check(identity)
	}}
}

// exampleExpectations are the checks, beyond the generic ones, of what each example promises.
var exampleExpectations = map[string]func(t *testing.T, fx exampleFixtures) []statecheck.StateCheck{
	"provider/provider.tf": func(*testing.T, exampleFixtures) []statecheck.StateCheck {
		// Identities come from the admin URL, schemas from the public URL.
		return []statecheck.StateCheck{
			statecheck.ExpectKnownValue("data.kratos_identities.provider_check", tfjsonpath.New("ids"), knownvalue.ListSizeExact(1)),
			statecheck.ExpectKnownValue("data.kratos_identity_schemas.provider_check", tfjsonpath.New("schemas"),
				knownvalue.ListSizeExact(len(testKratos.SchemaIDs()))),
		}
	},
	"resources/kratos_identity/resource.tf": func(t *testing.T, _ exampleFixtures) []statecheck.StateCheck {
		password := exampleVariables["ada_initial_password"]
		return []statecheck.StateCheck{
			stateless{checkLogin(t, "ada@example.org", password, true)},
			stateless{checkLogin(t, "ada", password, true)},
			stateless{checkLogin(t, "grace@example.org", "only-for-Terraform-older-than-1.11", true)},
			identityWith(t, "ada@example.org", hasVerifiedAddresses("ada@example.org")),
			statecheck.ExpectKnownValue("kratos_identity.ci_bot", tfjsonpath.New("state"), knownvalue.StringExact("inactive")),
			identityWith(t, "github:123456", hasIdentifiers("oidc", "github:123456")),
		}
	},
	"resources/kratos_identity/migration.tf": func(t *testing.T, _ exampleFixtures) []statecheck.StateCheck {
		const legacy = "correct horse battery staple" // the example says the hashes are of this password
		return []statecheck.StateCheck{
			stateless{checkLogin(t, "ada@example.org", legacy, true)},
			stateless{checkLogin(t, "grace@example.org", legacy, true)},
			identityWith(t, "grace@example.org", hasVerifiedAddresses("grace@example.org")),
		}
	},
	"resources/kratos_identity/import-by-email.tf": func(t *testing.T, fx exampleFixtures) []statecheck.StateCheck {
		return []statecheck.StateCheck{
			statecheck.ExpectKnownValue("kratos_identity.ada", tfjsonpath.New("id"), knownvalue.StringExact(fx.adaID)),
			stateless{checkLogin(t, "ada@example.org", testPassword, true)},
		}
	},
	"data-sources/kratos_identity/data-source.tf": func(_ *testing.T, fx exampleFixtures) []statecheck.StateCheck {
		return []statecheck.StateCheck{
			statecheck.ExpectKnownValue("data.kratos_identity.by_id", tfjsonpath.New("id"), knownvalue.StringExact(fx.adaID)),
			statecheck.ExpectKnownValue("data.kratos_identity.github_user", tfjsonpath.New("id"), knownvalue.StringExact(fx.graceID)),
			statecheck.ExpectKnownOutputValue("ada_name", knownvalue.ObjectExact(map[string]knownvalue.Check{
				"first": knownvalue.StringExact("Ada"), "last": knownvalue.StringExact("Lovelace"),
			})),
			statecheck.ExpectKnownOutputValue("ada_email_verified", knownvalue.Bool(true)),
			statecheck.ExpectKnownOutputValue("github_user_email", knownvalue.StringExact("grace@example.org")),
		}
	},
	"data-sources/kratos_identities/data-source.tf": func(_ *testing.T, fx exampleFixtures) []statecheck.StateCheck {
		return []statecheck.StateCheck{
			statecheck.ExpectKnownOutputValue("identity_count", knownvalue.Int64Exact(2)),
			statecheck.ExpectKnownOutputValue("emails_by_id", knownvalue.MapExact(map[string]knownvalue.Check{
				fx.adaID: knownvalue.StringExact("ada@example.org"), fx.graceID: knownvalue.StringExact("grace@example.org"),
			})),
			statecheck.ExpectKnownOutputValue("team_states", knownvalue.MapExact(map[string]knownvalue.Check{
				"ada@example.org": knownvalue.StringExact("active"), "grace@example.org": knownvalue.StringExact("active"),
			})),
			statecheck.ExpectKnownValue("data.kratos_identities.contractors", tfjsonpath.New("identities"), knownvalue.ListSizeExact(0)),
			statecheck.ExpectKnownValue("data.kratos_identities.sample", tfjsonpath.New("ids"), knownvalue.ListSizeExact(2)),
		}
	},
	"data-sources/kratos_identity_schema/data-source.tf": func(*testing.T, exampleFixtures) []statecheck.StateCheck {
		return []statecheck.StateCheck{
			statecheck.ExpectKnownOutputValue("required_traits", knownvalue.ListExact([]knownvalue.Check{knownvalue.StringExact("email")})),
		}
	},
	"data-sources/kratos_identity_schemas/data-source.tf": func(*testing.T, exampleFixtures) []statecheck.StateCheck {
		var ids []knownvalue.Check
		for _, id := range testKratos.SchemaIDs() {
			ids = append(ids, knownvalue.StringExact(id))
		}
		return []statecheck.StateCheck{statecheck.ExpectKnownOutputValue("schema_ids", knownvalue.SetExact(ids))}
	},
	"data-sources/kratos_identity_sessions/data-source.tf": func(_ *testing.T, fx exampleFixtures) []statecheck.StateCheck {
		return []statecheck.StateCheck{
			statecheck.ExpectKnownValue("data.kratos_identity_sessions.ada", tfjsonpath.New("sessions"), knownvalue.ListExact([]knownvalue.Check{
				knownvalue.ObjectPartial(map[string]knownvalue.Check{"id": knownvalue.StringExact(fx.adaSessionID)}),
			})),
			statecheck.ExpectKnownOutputValue("ada_devices", knownvalue.ListSizeExact(1)),
		}
	},
	"data-sources/kratos_session/data-source.tf": func(_ *testing.T, fx exampleFixtures) []statecheck.StateCheck {
		return []statecheck.StateCheck{
			statecheck.ExpectKnownValue("data.kratos_session.this", tfjsonpath.New("id"), knownvalue.StringExact(fx.adaSessionID)),
			statecheck.ExpectKnownOutputValue("session", knownvalue.ObjectPartial(map[string]knownvalue.Check{
				"active": knownvalue.Bool(true), "user": knownvalue.StringExact("ada@example.org"), "mfa_level": knownvalue.StringExact("aal1"),
			})),
		}
	},
	"data-sources/kratos_sessions/data-source.tf": func(_ *testing.T, fx exampleFixtures) []statecheck.StateCheck {
		return []statecheck.StateCheck{
			statecheck.ExpectKnownOutputValue("active_identities", knownvalue.ListExact([]knownvalue.Check{knownvalue.StringExact(fx.adaID)})),
		}
	},
	"ephemeral-resources/kratos_recovery_code/ephemeral-resource.tf": recoveryExampleExpectations,
	"ephemeral-resources/kratos_recovery_link/ephemeral-resource.tf": recoveryExampleExpectations,
}

// recoveryExampleExpectations check that a recovery example found Ada.
func recoveryExampleExpectations(_ *testing.T, fx exampleFixtures) []statecheck.StateCheck {
	// That Kratos issued the code or link, with the example's return_to, is proven by the apply.
	return []statecheck.StateCheck{
		statecheck.ExpectKnownValue("data.kratos_identity.ada", tfjsonpath.New("id"), knownvalue.StringExact(fx.adaID)),
	}
}
