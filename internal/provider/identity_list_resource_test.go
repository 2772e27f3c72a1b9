package provider

import (
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/hashicorp/go-version"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/querycheck"
	"github.com/hashicorp/terraform-plugin-testing/querycheck/queryfilter"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"
	"github.com/hashicorp/terraform-plugin-testing/tfversion"

	"github.com/kratos-tf/terraform-provider-kratos/internal/kratosclient"
)

// queryVersionChecks skip a test on CLIs without terraform query (Terraform before 1.14; OpenTofu
// 1.12 has none).
var queryVersionChecks = []tfversion.TerraformVersionCheck{tfversion.SkipBelow(tfversion.Version1_14_0)}

// listSeeds are identities made through the admin API whose login identifiers all start with prefix.
type listSeeds struct {
	prefix string
	// ada is active, default schema, email and username, a password, a verified email, both metadata.
	ada *kratosclient.Identity
	// bob is inactive, default schema, with a linked social sign-in.
	bob *kratosclient.Identity
	// eve follows the employee schema, with an integer trait.
	eve *kratosclient.Identity
}

// seedListIdentities creates the listSeeds under a prefix no other test uses; they are deleted when the test ends.
func seedListIdentities(t *testing.T, name string) listSeeds {
	t.Helper()
	s := listSeeds{prefix: name + "-" + strings.ToLower(rand.Text()[:10])}
	ada := seedBody(s.email("ada"))
	ada.SchemaID = "default"
	ada.Traits = json.RawMessage(fmt.Sprintf(`{"email":%q,"username":%q,"name":{"first":"Ada","last":"Lovelace"},"tags":["math","engines"]}`, s.email("ada"), s.prefix+"-ada"))
	ada.MetadataPublic = json.RawMessage(`{"team":"eng","ratio":1.50}`)
	ada.MetadataAdmin = json.RawMessage(`{"employee":12345678901234567890}`)
	ada.VerifiableAddresses = []kratosclient.VerifiableAddressImport{verifiedAddressImport(s.email("ada"))}
	s.ada = seedIdentity(t, ada)
	s.bob = seedIdentity(t, kratosclient.CreateIdentityBody{
		SchemaID: "default",
		State:    "inactive",
		Traits:   json.RawMessage(fmt.Sprintf(`{"email":%q}`, s.email("bob"))),
		Credentials: &kratosclient.CredentialsImport{OIDC: &kratosclient.OIDCImport{Config: kratosclient.OIDCImportConfig{
			Providers: []kratosclient.OIDCProvider{{Provider: "github", Subject: s.prefix + "-bob"}},
		}}},
	})
	s.eve = seedIdentity(t, kratosclient.CreateIdentityBody{
		SchemaID: "employee",
		Traits:   json.RawMessage(fmt.Sprintf(`{"email":%q,"department":"ops","employee_id":42}`, s.email("eve"))),
	})
	return s
}

// email is the email of the seed named name.
func (s listSeeds) email(name string) string { return s.prefix + "-" + name + "@example.test" }

// byID filters query results to the identity with this ID.
func byID(id string) queryfilter.QueryFilter {
	return queryfilter.ByResourceIdentity(map[string]knownvalue.Check{"id": knownvalue.StringExact(id)})
}

// TestAccIdentityListResource_query lists identities with every filter through terraform query and
// checks identities, display names, limits and, with include_resource, the resource state.
func TestAccIdentityListResource_query(t *testing.T) {
	s := seedListIdentities(t, "query")
	managedEmail := s.email("tf")
	identity := func(i *kratosclient.Identity) map[string]knownvalue.Check {
		return map[string]knownvalue.Check{"id": knownvalue.StringExact(i.ID)}
	}
	resource.Test(t, resource.TestCase{
		PreCheck:                 func() { testAccPreCheck(t) },
		TerraformVersionChecks:   queryVersionChecks,
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		CheckDestroy:             checkIdentityDestroyed(t),
		Steps: []resource.TestStep{
			{
				// A managed identity is listed like any other.
				Config: fmt.Sprintf("resource \"kratos_identity\" \"test\" {\n  traits = jsonencode({ email = %q })\n}\n", managedEmail),
			},
			{
				Query: true,
				Config: fmt.Sprintf(`
list "kratos_identity" "all" {
  provider         = kratos
  include_resource = true
  config {
    identifier_prefix = %[1]q
  }
}

list "kratos_identity" "first_two" {
  provider = kratos
  limit    = 2
  config {
    identifier_prefix = %[1]q
  }
}

list "kratos_identity" "inactive" {
  provider = kratos
  config {
    identifier_prefix = %[1]q
    state             = "inactive"
  }
}

list "kratos_identity" "employees" {
  provider = kratos
  config {
    identifier_prefix = %[1]q
    schema_id         = "employee"
  }
}

list "kratos_identity" "by_email" {
  provider = kratos
  config {
    credentials_identifier = %[2]q
  }
}

list "kratos_identity" "by_social_sign_in" {
  provider = kratos
  config {
    credentials_identifier = %[3]q
  }
}
`, s.prefix, strings.ToUpper(s.email("ada")), "github:"+s.prefix+"-bob"),
				QueryResultChecks: []querycheck.QueryResultCheck{
					querycheck.ExpectLength("kratos_identity.all", 4),
					querycheck.ExpectIdentity("kratos_identity.all", identity(s.ada)),
					querycheck.ExpectIdentity("kratos_identity.all", identity(s.bob)),
					querycheck.ExpectIdentity("kratos_identity.all", identity(s.eve)),
					querycheck.ExpectResourceDisplayName("kratos_identity.all", byID(s.ada.ID), knownvalue.StringExact(s.prefix+"-ada")),
					querycheck.ExpectResourceDisplayName("kratos_identity.all", byID(s.bob.ID), knownvalue.StringExact(s.email("bob"))),
					querycheck.ExpectResourceDisplayName("kratos_identity.all", queryfilter.ByDisplayName(knownvalue.StringExact(managedEmail)), knownvalue.StringExact(managedEmail)),
					querycheck.ExpectResourceKnownValues("kratos_identity.all", byID(s.ada.ID), []querycheck.KnownValueCheck{
						{Path: tfjsonpath.New("id"), KnownValue: knownvalue.StringExact(s.ada.ID)},
						{Path: tfjsonpath.New("schema_id"), KnownValue: knownvalue.StringExact("default")},
						{Path: tfjsonpath.New("state"), KnownValue: knownvalue.StringExact("active")},
						{Path: tfjsonpath.New("traits"), KnownValue: jsonValueCheck(string(s.ada.Traits))},
						{Path: tfjsonpath.New("metadata_public"), KnownValue: jsonValueCheck(`{"team":"eng","ratio":1.5}`)},
						{Path: tfjsonpath.New("metadata_admin"), KnownValue: jsonValueCheck(`{"employee":12345678901234567890}`)},
						// As after an import: login is unset, so neither the password nor the verified email is managed.
						{Path: tfjsonpath.New("login"), KnownValue: knownvalue.Null()},
					}),
					querycheck.ExpectResourceKnownValues("kratos_identity.all", byID(s.bob.ID), []querycheck.KnownValueCheck{
						{Path: tfjsonpath.New("state"), KnownValue: knownvalue.StringExact("inactive")},
						// The linked social sign-in is not reported: login is unset (by_social_sign_in finds bob by it).
						{Path: tfjsonpath.New("login"), KnownValue: knownvalue.Null()},
						{Path: tfjsonpath.New("metadata_public"), KnownValue: knownvalue.Null()},
					}),
					querycheck.ExpectLength("kratos_identity.first_two", 2),
					querycheck.ExpectLength("kratos_identity.inactive", 1),
					querycheck.ExpectIdentity("kratos_identity.inactive", identity(s.bob)),
					querycheck.ExpectLength("kratos_identity.employees", 1),
					querycheck.ExpectIdentity("kratos_identity.employees", identity(s.eve)),
					querycheck.ExpectLength("kratos_identity.by_email", 1),
					querycheck.ExpectIdentity("kratos_identity.by_email", identity(s.ada)),
					querycheck.ExpectLength("kratos_identity.by_social_sign_in", 1),
					querycheck.ExpectIdentity("kratos_identity.by_social_sign_in", identity(s.bob)),
				},
			},
			{
				Query: true,
				Config: fmt.Sprintf(`
list "kratos_identity" "none" {
  provider = kratos
  config {
    identifier_prefix = %q
    state             = "inactive"
    schema_id         = "employee"
  }
}
`, s.prefix),
				QueryResultChecks: []querycheck.QueryResultCheck{querycheck.ExpectLength("kratos_identity.none", 0)},
			},
			{
				Query:       true,
				Config:      "list \"kratos_identity\" \"bad\" {\n  provider = kratos\n  config {\n    credentials_identifier = \"a\"\n    identifier_prefix      = \"a\"\n  }\n}\n",
				ExpectError: expectError("Invalid Attribute Combination", `"identifier_prefix" cannot be specified when "credentials_identifier" is specified`),
			},
			{
				Query:       true,
				Config:      "list \"kratos_identity\" \"bad\" {\n  provider = kratos\n  config {\n    state = \"gone\"\n  }\n}\n",
				ExpectError: expectError("Invalid Attribute Value Match", `state value must be one of: ["active" "inactive"], got: "gone"`),
			},
		},
	})
}

// jsonValueCheck matches a JSON text attribute by value: key order and number spelling aside.
func jsonValueCheck(want string) knownvalue.Check {
	return knownvalue.StringFunc(func(got string) error {
		if !jsonEquivalent(newJSONValue(got), newJSONValue(want)) {
			return fmt.Errorf("JSON %s, want %s", got, want)
		}
		return nil
	})
}

// TestAccIdentityListResource_adoption brings identities made outside Terraform under management
// as the guide describes: terraform query -generate-config-out writes resource and import blocks,
// an apply imports them without changing anything in Kratos, and the next plan is empty.
func TestAccIdentityListResource_adoption(t *testing.T) {
	testAccPreCheck(t)
	cli := os.Getenv("TF_ACC_TERRAFORM_PATH")
	skipUnlessCLI(t, cli, queryVersionChecks)
	s := seedListIdentities(t, "adopt")
	dir := t.TempDir()
	mainTF := `terraform {
  required_providers {
    kratos = { source = "kratos-tf/kratos" }
  }
}

` + instanceProviderConfig(testKratos)
	query := fmt.Sprintf("list \"kratos_identity\" \"adopted\" {\n  provider = kratos\n  config {\n    identifier_prefix = %q\n  }\n}\n", s.prefix)
	writeFiles(t, dir, map[string]string{"main.tf": mainTF, "adopt.tfquery.hcl": query})
	run := devOverridesCLI(t, cli, buildProvider(t))

	run(dir, "query", "-generate-config-out=identities.tf", "-no-color")
	generated, err := os.ReadFile(filepath.Join(dir, "identities.tf"))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []*regexp.Regexp{
		regexp.MustCompile(`(?m)^resource "kratos_identity" "adopted_\d+" \{`),
		regexp.MustCompile(`(?m)^\s+identity = \{`),
	} {
		if n := len(want.FindAll(generated, -1)); n != 3 {
			t.Errorf("identities.tf has %d matches of %s, want 3:\n%s", n, want, generated)
		}
	}
	for _, i := range []*kratosclient.Identity{s.ada, s.bob, s.eve} {
		if !strings.Contains(string(generated), fmt.Sprintf("id = %q", i.ID)) {
			t.Errorf("identities.tf has no import block for %s:\n%s", i.ID, generated)
		}
	}

	out := run(dir, "apply", "-input=false", "-auto-approve", "-no-color")
	if !strings.Contains(out, "Resources: 3 imported, 0 added, 0 changed, 0 destroyed.") {
		t.Errorf("apply did not only import the three identities:\n%s", out)
	}
	run(dir, "plan", "-input=false", "-detailed-exitcode", "-no-color")
	for _, seeded := range []*kratosclient.Identity{s.ada, s.bob, s.eve} {
		now, err := testClient(t).GetIdentity(t.Context(), seeded.ID)
		if err != nil {
			t.Fatal(err)
		}
		if !jsonEquivalent(jsonFromRaw(now.Traits), jsonFromRaw(seeded.Traits)) || now.State != seeded.State ||
			!jsonEquivalent(jsonFromRaw(now.MetadataPublic), jsonFromRaw(seeded.MetadataPublic)) ||
			!jsonEquivalent(jsonFromRaw(now.MetadataAdmin), jsonFromRaw(seeded.MetadataAdmin)) {
			t.Errorf("adopting %s changed it in Kratos: traits %s, state %s, metadata %s / %s", seeded.ID, now.Traits, now.State, now.MetadataPublic, now.MetadataAdmin)
		}
	}
}

// skipUnlessCLI skips the test unless the CLI at path passes checks, as TerraformVersionChecks
// does for resource.Test.
func skipUnlessCLI(t *testing.T, path string, checks []tfversion.TerraformVersionCheck) {
	t.Helper()
	out, err := exec.CommandContext(t.Context(), path, "version", "-json").Output()
	if err != nil {
		t.Fatalf("%s version -json: %v", path, err)
	}
	var v struct {
		Version string `json:"terraform_version"`
	}
	if err := json.Unmarshal(out, &v); err != nil {
		t.Fatalf("%s version -json: %v\n%s", path, err, out)
	}
	cliVersion, err := version.NewVersion(v.Version)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range checks {
		var resp tfversion.CheckTerraformVersionResponse
		c.CheckTerraformVersion(t.Context(), tfversion.CheckTerraformVersionRequest{TerraformVersion: cliVersion}, &resp)
		if resp.Error != nil {
			t.Fatal(resp.Error)
		}
		if resp.Skip != "" {
			t.Skip(resp.Skip)
		}
	}
}

// buildProvider builds the provider into a temporary directory and returns the directory.
func buildProvider(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	cmd := exec.CommandContext(t.Context(), "go", "build", "-o", filepath.Join(dir, "terraform-provider-kratos"), ".")
	cmd.Dir = filepath.Join("..", "..")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("building the provider: %v\n%s", err, out)
	}
	return dir
}

// devOverridesCLI returns a function that runs the CLI at path in a directory with a CLI
// configuration whose dev_overrides use the provider built into pluginDir, and returns its
// output. It fails the test when the command fails (for plan -detailed-exitcode: when it has changes).
func devOverridesCLI(t *testing.T, path, pluginDir string) func(dir string, args ...string) string {
	t.Helper()
	rc := filepath.Join(t.TempDir(), "cli.tfrc")
	writeFiles(t, filepath.Dir(rc), map[string]string{filepath.Base(rc): fmt.Sprintf(
		"provider_installation {\n  dev_overrides {\n    %q = %q\n    %q = %q\n  }\n  direct {}\n}\n",
		"registry.terraform.io/kratos-tf/kratos", pluginDir, "registry.opentofu.org/kratos-tf/kratos", pluginDir)})
	var env []string
	for _, kv := range os.Environ() {
		// terraform-plugin-testing sets these for the CLIs it runs with in-process providers.
		if !strings.HasPrefix(kv, "TF_CLI_CONFIG_FILE=") && !strings.HasPrefix(kv, "TF_REATTACH_PROVIDERS=") && !strings.HasPrefix(kv, "PLUGIN_PROTOCOL_VERSIONS=") {
			env = append(env, kv)
		}
	}
	env = append(env, "TF_CLI_CONFIG_FILE="+rc, "CHECKPOINT_DISABLE=1", "TF_IN_AUTOMATION=1")
	return func(dir string, args ...string) string {
		t.Helper()
		cmd := exec.CommandContext(t.Context(), path, args...)
		cmd.Dir, cmd.Env = dir, env
		out, err := cmd.CombinedOutput()
		var exit *exec.ExitError
		switch {
		case errors.As(err, &exit) && exit.ExitCode() == 2 && args[0] == "plan":
			t.Fatalf("%s %s has changes, want none:\n%s", filepath.Base(path), strings.Join(args, " "), out)
		case err != nil:
			t.Fatalf("%s %s: %v\n%s", filepath.Base(path), strings.Join(args, " "), err, out)
		}
		return string(out)
	}
}

// writeFiles writes files (name to content) into dir.
func writeFiles(t *testing.T, dir string, files map[string]string) {
	t.Helper()
	for name, content := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
	}
}

// TestIdentityDisplayName names identities by their first login identifier, preferring password
// and code identifiers to social sign-ins, and by ID when they have none.
func TestIdentityDisplayName(t *testing.T) {
	creds := func(m map[string][]string) map[string]kratosclient.Credentials {
		out := map[string]kratosclient.Credentials{}
		for typ, ids := range m {
			out[typ] = kratosclient.Credentials{Type: typ, Identifiers: ids}
		}
		return out
	}
	for name, tc := range map[string]struct {
		credentials map[string][]string
		want        string
	}{
		"first password identifier": {map[string][]string{"password": {"zoe@example.org", "zoe"}, "oidc": {"github:1"}}, "zoe"},
		"code before social":        {map[string][]string{"code": {"ann@example.org"}, "oidc": {"github:1"}}, "ann@example.org"},
		"social sign-in only":       {map[string][]string{"oidc": {"google:2", "github:1"}}, "github:1"},
		"empty identifiers skipped": {map[string][]string{"password": {""}, "oidc": {"github:1"}}, "github:1"},
		"no identifier":             {map[string][]string{"totp": nil}, "0b6a3ef2-3c9e-4d0b-9a4e-2f1b4c1f8b11"},
	} {
		t.Run(name, func(t *testing.T) {
			id := &kratosclient.Identity{ID: "0b6a3ef2-3c9e-4d0b-9a4e-2f1b4c1f8b11", Credentials: creds(tc.credentials)}
			if got := identityDisplayName(id); got != tc.want {
				t.Errorf("display name %q, want %q", got, tc.want)
			}
		})
	}
}

// TestIdentityListConfigMatches applies the filters Kratos cannot: schema and state, combined with AND.
func TestIdentityListConfigMatches(t *testing.T) {
	ada := &kratosclient.Identity{SchemaID: "default", State: "active"}
	for _, tc := range []struct {
		schemaID, state string
		want            bool
	}{
		{"", "", true}, {"default", "", true}, {"", "active", true}, {"default", "active", true},
		{"employee", "", false}, {"", "inactive", false}, {"default", "inactive", false},
	} {
		cfg := identityListConfigModel{SchemaID: optionalString(tc.schemaID), State: optionalString(tc.state)}
		if got := cfg.matches(ada); got != tc.want {
			t.Errorf("schema_id %q, state %q: matches = %v, want %v", tc.schemaID, tc.state, got, tc.want)
		}
	}
}

// listExamplesDir holds the list resource examples that tfplugindocs reads.
const listExamplesDir = examplesDir + "/list-resources/kratos_identity"

// exampleListBlock finds the list blocks of an example.
var exampleListBlock = regexp.MustCompile(`(?m)^list\s+"(kratos_identity)"\s+"([\w-]+)"`)

// TestAccIdentityListResource_examples runs every list resource example, as written, through
// terraform query, with an identity each of its list blocks finds.
func TestAccIdentityListResource_examples(t *testing.T) {
	files, err := filepath.Glob(filepath.Join(listExamplesDir, "*.tfquery.hcl"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no list resource examples in %s (%v)", listExamplesDir, err)
	}
	// An active employee whose login identifier starts with "ada", as the filtered example asks for.
	seedIdentity(t, kratosclient.CreateIdentityBody{
		SchemaID: "employee",
		Traits:   json.RawMessage(fmt.Sprintf(`{"email":%q,"department":"eng"}`, uniqueEmail(t, "ada"))),
	})
	for _, file := range files {
		t.Run(filepath.Base(file), func(t *testing.T) {
			src, err := os.ReadFile(file)
			if err != nil {
				t.Fatal(err)
			}
			var checks []querycheck.QueryResultCheck
			for _, m := range exampleListBlock.FindAllStringSubmatch(string(src), -1) {
				checks = append(checks, querycheck.ExpectLengthAtLeast(m[1]+"."+m[2], 1))
			}
			if len(checks) == 0 {
				t.Fatalf("%s has no list block", file)
			}
			resource.Test(t, resource.TestCase{
				PreCheck:                 func() { testAccPreCheck(t) },
				TerraformVersionChecks:   queryVersionChecks,
				ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
				Steps: []resource.TestStep{
					// terraform query needs a configuration beside the query files that requires the provider
					// (without one Terraform 1.15.9 fails with "Changes.Encode: missing provider").
					{Config: `data "kratos_identity_schemas" "all" {}`},
					{Query: true, Config: string(src), QueryResultChecks: checks},
				},
			})
		})
	}
}
