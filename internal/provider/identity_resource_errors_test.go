package provider

import (
	"encoding/json"
	"fmt"
	"regexp"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"

	"github.com/kratos-tf/terraform-provider-kratos/internal/identityschema"
	"github.com/kratos-tf/terraform-provider-kratos/internal/kratosclient"
)

// expectErrorWithout matches CLI output that contains parts in order, however the CLI wraps its
// lines, and nowhere the rune absent.
func expectErrorWithout(absent rune, parts ...string) *regexp.Regexp {
	not := fmt.Sprintf(`[^\x{%X}]*`, absent)
	quoted := make([]string, len(parts))
	for i, p := range parts {
		quoted[i] = strings.Join(strings.Fields(regexp.QuoteMeta(p)), `\s+`)
	}
	return regexp.MustCompile(`(?s)\A` + not + strings.Join(quoted, not) + not + `\z`)
}

// TestAccIdentityResource_malformedHash proves that a hash with a known prefix and a broken
// body fails plan with an error on login.hashed_password, before Kratos stores a hash nobody can sign in with.
func TestAccIdentityResource_malformedHash(t *testing.T) {
	config := func(hash string) string {
		return fmt.Sprintf(`
resource "kratos_identity" "test" {
  schema_id = "minimal"
  traits    = jsonencode({ email = "malformed-hash@example.org" })
  login = {
    hashed_password = %q
  }
}
`, hash)
	}
	// The CLI output cannot show the attribute for every CLI: Terraform 1.5 places a diagnostic
	// inside an object attribute at the resource's first line, later CLIs at the line of
	// hashed_password. TestHashedPasswordAttribute_parsesHashBodies checks the error is on
	// login.hashed_password.
	testAccRun(t, []resource.TestStep{
		{
			Config:      config("$2a$10$BADHASHSECRETnotreallyahash"),
			PlanOnly:    true,
			ExpectError: expectError("Malformed password hash", "with kratos_identity.test", "bcrypt"),
		},
		{
			Config:      config("$argon2id$v=19$m=65536,t=3,p=4$not*base64$aGFzaA"),
			PlanOnly:    true,
			ExpectError: expectError("Malformed password hash", "with kratos_identity.test", "argon2", "salt"),
		},
	})
}

// TestAccIdentityResource_unknownSchemaMessage proves that an unknown schema_id gets the
// provider's own words, at plan and at apply, never Kratos's reason with the ID base64-decoded.
func TestAccIdentityResource_unknownSchemaMessage(t *testing.T) {
	const traits = `traits = jsonencode({ email = "unknown-schema@example.org" })`
	want := []string{"Unknown identity schema", `Kratos has no identity schema "nope"`, "`default`", "kratos_identity_schemas"}
	testAccRun(t, []resource.TestStep{
		{
			Config:      "resource \"kratos_identity\" \"test\" {\n  schema_id = \"nope\"\n  " + traits + "\n}\n",
			PlanOnly:    true,
			ExpectError: expectErrorWithout('\uFFFD', want...),
		},
		{
			// Known only at apply: the plan Terraform makes during apply checks it.
			Config: "resource \"terraform_data\" \"schema\" {\n  input = \"nope\"\n}\n\n" +
				"resource \"kratos_identity\" \"test\" {\n  schema_id = terraform_data.schema.output\n  " + traits + "\n}\n",
			ExpectError: expectErrorWithout('\uFFFD', want...),
		},
	})
}

// TestAccIdentityResource_conflictNamesOnlyIdentifiers proves that a conflict on create names
// the identity that holds a login identifier of the new one, and not an identity whose
// identifier merely equals some other trait (here a last name).
func TestAccIdentityResource_conflictNamesOnlyIdentifiers(t *testing.T) {
	skipWithoutAcc(t)
	suffix := strings.ToLower(strings.TrimSuffix(randomEmail("smith"), "@example.org"))
	// A's username equals, but for case, the last name of the new identity, which is no identifier.
	seedIdentity(t, kratosclient.CreateIdentityBody{SchemaID: "default",
		Traits: json.RawMessage(fmt.Sprintf(`{"email":%q,"username":%q}`, randomEmail("a"), suffix))})
	cEmail := randomEmail("c")
	c := seedIdentity(t, kratosclient.CreateIdentityBody{SchemaID: "default", Traits: json.RawMessage(fmt.Sprintf(`{"email":%q}`, cEmail))})
	testAccRun(t, []resource.TestStep{{
		Config: fmt.Sprintf(`
resource "kratos_identity" "test" {
  schema_id = "default"
  traits = jsonencode({
    email = %q
    name  = { first = "Jo", last = %q }
  })
}
`, cEmail, strings.ToUpper(suffix[:1])+suffix[1:]),
		// Exactly one identity is named: another would follow after "; ".
		ExpectError: expectError("identifier already taken",
			fmt.Sprintf("Kratos answered HTTP 409 Conflict: %q is an identifier of identity %s. To manage", cEmail, c.ID)),
	}})
}

// TestAccIdentityResource_blankIdentifier proves that a blank login identifier is refused at
// plan time when the schema is known, and explained at apply time when it is not, instead of
// Kratos's bare HTTP 500.
func TestAccIdentityResource_blankIdentifier(t *testing.T) {
	config := func(schema, username string) string {
		return fmt.Sprintf(`
resource "kratos_identity" "test" {
  %s
  traits = jsonencode({ email = "blank-username@example.org", username = %q })
}
`, schema, username)
	}
	testAccRun(t, []resource.TestStep{
		{
			Config:      config(`schema_id = "default"`, ""),
			PlanOnly:    true,
			ExpectError: expectError("Blank login identifier", "traits =", "/traits/username", "empty"),
		},
		{
			Config:      config(`schema_id = "default"`, "   "),
			PlanOnly:    true,
			ExpectError: expectError("Blank login identifier", "traits =", "/traits/username", "empty"),
		},
		{
			// Without schema_id the schema is not known at plan time: Kratos answers HTTP 500.
			Config:      config("", " "),
			ExpectError: expectError("Unable to Create Identity: blank login identifier", "traits =", "empty or only whitespace"),
		},
	})
}

// TestAccProvider_badHeaders proves header names and values that cannot be sent are refused
// when the provider configuration is validated, on headers, not at the first admin request.
func TestAccProvider_badHeaders(t *testing.T) {
	config := func(headers string) string {
		return fmt.Sprintf(`
provider "kratos" {
  headers = { %s }
}

data "kratos_identities" "none" {
  credentials_identifier = "nobody-bad-headers@example.org"
}
`, headers)
	}
	testAccRun(t, []resource.TestStep{
		{
			Config:      config(`"X Tenant" = "blue"`),
			ExpectError: expectError("Invalid HTTP header name", "headers", `"X" has ' '`),
		},
		{
			Config:      config(`"X-Tenant" = "blue\n"`),
			ExpectError: expectError("Invalid HTTP header value", "headers", `"X-Tenant"`, "line break"),
		},
	})
}

// TestAddBlankIdentifierErrors proves a blank identifier is an error on traits naming its place, and a filled one is not.
func TestAddBlankIdentifierErrors(t *testing.T) {
	t.Parallel()
	s, err := identityschema.Compile("test", []byte(`{"properties": {"traits": {"properties": {
  "email": {"type": "string", "ory.sh/kratos": {"credentials": {"password": {"identifier": true}}}},
  "username": {"type": "string", "ory.sh/kratos": {"credentials": {"password": {"identifier": true}}}},
  "bio": {"type": "string"}}}}}`))
	if err != nil {
		t.Fatal(err)
	}
	for traits, want := range map[string]string{
		`{"email":"a@b.io","username":" \t","bio":""}`: "/traits/username",
		`{"email":"","username":"ada"}`:                "/traits/email",
		`{"email":"a@b.io","username":"ada","bio":""}`: "",
		`{"email":"a@b.io"}`:                           "",
	} {
		var diags diag.Diagnostics
		addBlankIdentifierErrors(s, traits, &diags)
		switch {
		case want == "" && diags.HasError():
			t.Errorf("%s: unexpected %v", traits, diags)
		case want != "" && (!hasAttributeError(diags, "traits", "Blank login identifier") || len(diags) != 1 || !strings.Contains(diags[0].Detail(), want+" a login identifier")):
			t.Errorf("%s: want one Blank login identifier error at %s on traits, got %v", traits, want, diags)
		}
	}
}
