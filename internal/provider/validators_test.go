package provider

import (
	"context"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/provider"
	providerschema "github.com/hashicorp/terraform-plugin-framework/provider/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/tfsdk"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"golang.org/x/crypto/bcrypt"
)

// identitySchema returns the kratos_identity resource's schema.
func identitySchema() schema.Schema {
	var resp resource.SchemaResponse
	NewIdentityResource().Schema(context.Background(), resource.SchemaRequest{}, &resp)
	return resp.Schema
}

// identitySchemaAttribute returns an attribute of the kratos_identity resource's schema by its
// dotted name, such as "login.password" for an attribute nested in a single nested attribute.
func identitySchemaAttribute(t *testing.T, name string) schema.Attribute {
	t.Helper()
	attributes := identitySchema().Attributes
	parts := strings.Split(name, ".")
	for _, parent := range parts[:len(parts)-1] {
		nested, ok := attributes[parent].(schema.SingleNestedAttribute)
		if !ok {
			t.Fatalf("kratos_identity has no single nested attribute %q", parent)
		}
		attributes = nested.Attributes
	}
	a, ok := attributes[parts[len(parts)-1]]
	if !ok {
		t.Fatalf("kratos_identity has no attribute %q", name)
	}
	return a
}

// validateString runs validators on a known value as the framework does, in an otherwise empty
// kratos_identity configuration, and returns their diagnostics.
func validateString(t *testing.T, validators []validator.String, p path.Path, value string) diag.Diagnostics {
	t.Helper()
	s := identitySchema()
	_, raw := configValue(t, s.Type().TerraformType(context.Background()), nil)
	config := tfsdk.Config{Schema: s, Raw: raw}
	var diags diag.Diagnostics
	for _, v := range validators {
		resp := validator.StringResponse{}
		v.ValidateString(context.Background(), validator.StringRequest{
			Path: p, PathExpression: p.Expression(), ConfigValue: types.StringValue(value), Config: config,
		}, &resp)
		diags.Append(resp.Diagnostics...)
	}
	return diags
}

// TestHashedPasswordAttribute_parsesHashBodies proves that login.hashed_password checks whole hashes
// with internal/passwordhash (whose own tests cover every format): a whole hash passes, one with
// a recognised prefix and a broken body is a "Malformed password hash" error on the attribute
// that names the format and never repeats the hash.
func TestHashedPasswordAttribute_parsesHashBodies(t *testing.T) {
	t.Parallel()
	a, ok := identitySchemaAttribute(t, "login.hashed_password").(schema.StringAttribute)
	if !ok {
		t.Fatal("login.hashed_password is not a string attribute")
	}
	generated, err := bcrypt.GenerateFromPassword([]byte("correct horse battery staple"), bcrypt.MinCost)
	if err != nil {
		t.Fatal(err)
	}
	p := path.Root("login").AtName("hashed_password")
	if d := validateString(t, a.Validators, p, string(generated)); d.HasError() {
		t.Errorf("good hash refused: %v", d)
	}
	broken := string(generated[:50])
	d := validateString(t, a.Validators, p, broken)
	if !hasAttributeError(d, "login.hashed_password", "Malformed password hash") {
		t.Fatalf("no Malformed password hash error on login.hashed_password for a truncated bcrypt hash, got %v", d)
	}
	for _, e := range d {
		if !strings.Contains(e.Detail(), "(bcrypt)") || strings.Contains(e.Detail(), broken) {
			t.Errorf("the detail should name bcrypt and not repeat the hash: %s", e.Detail())
		}
	}
}

// TestOIDCProviderAttribute_emptyReportsOnlyLength proves an empty provider name gets one error, not also "colon".
func TestOIDCProviderAttribute_emptyReportsOnlyLength(t *testing.T) {
	t.Parallel()
	set, ok := identitySchemaAttribute(t, "login.oidc_providers").(schema.SetNestedAttribute)
	if !ok {
		t.Fatal("login.oidc_providers is not a set of objects")
	}
	a, ok := set.NestedObject.Attributes["provider"].(schema.StringAttribute)
	if !ok {
		t.Fatal("login.oidc_providers.provider is not a string attribute")
	}
	p := path.Root("login").AtName("oidc_providers").AtSetValue(types.StringValue("x")).AtName("provider")
	for value, want := range map[string][]string{
		"":         {"at least 1"},
		"a:b":      {"colon"},
		"google":   nil,
		"my-saml_": nil,
	} {
		d := validateString(t, a.Validators, p, value)
		if len(d) != len(want) {
			t.Errorf("%q: %d diagnostics, want %d: %v", value, len(d), len(want), d)
			continue
		}
		for i, w := range want {
			if !strings.Contains(d[i].Detail(), w) {
				t.Errorf("%q: diagnostic %q does not say %q", value, d[i].Detail(), w)
			}
		}
	}
}

// TestProviderHeadersAttribute_validated proves header names and values that Go's HTTP client
// refuses to send are errors on the headers attribute when the configuration is validated.
func TestProviderHeadersAttribute_validated(t *testing.T) {
	t.Parallel()
	var sresp provider.SchemaResponse
	New("test")().Schema(context.Background(), provider.SchemaRequest{}, &sresp)
	a, ok := sresp.Schema.Attributes["headers"].(providerschema.MapAttribute)
	if !ok {
		t.Fatal("headers is not a map attribute")
	}
	const secret = "s3cr3t-token"
	cases := []struct {
		headers map[string]string
		summary string // "" when valid
		says    string
	}{
		{map[string]string{"X-Api-Key": secret, "X-Trace": "a b\tc"}, "", ""},
		{map[string]string{"X Api": "v"}, "Invalid HTTP header name", `"X" has ' '`},
		{map[string]string{"Authorization: Bearer " + secret: ""}, "Invalid HTTP header name", `"Authorization" has ':'`},
		{map[string]string{"": "v"}, "Invalid HTTP header name", "empty"},
		{map[string]string{"Bad\n": "v"}, "Invalid HTTP header name", `'\n'`},
		{map[string]string{"X-Api-Key": secret + "\n"}, "Invalid HTTP header value", `"X-Api-Key"`},
		{map[string]string{"X-Api-Key": "a\rb"}, "Invalid HTTP header value", "line break"},
		{map[string]string{"X-Api-Key": "a\x00b"}, "Invalid HTTP header value", "control character"},
		{map[string]string{"host": "kratos.internal"}, "Header cannot be set", `"host" is set by the provider's HTTP client`},
		{map[string]string{"Content-Length": "5"}, "Header cannot be set", "would not be sent"},
		{map[string]string{"Transfer-Encoding": "chunked"}, "Header cannot be set", "Remove it from headers"},
	}
	for _, c := range cases {
		elems := map[string]attr.Value{}
		for k, v := range c.headers {
			elems[k] = types.StringValue(v)
		}
		var diags diag.Diagnostics
		for _, v := range a.Validators {
			var resp validator.MapResponse
			v.ValidateMap(context.Background(), validator.MapRequest{
				Path: path.Root("headers"), ConfigValue: types.MapValueMust(types.StringType, elems),
			}, &resp)
			diags.Append(resp.Diagnostics...)
		}
		if c.summary == "" {
			if diags.HasError() {
				t.Errorf("%q: unexpected %v", c.headers, diags)
			}
			continue
		}
		if !hasAttributeError(diags, "headers", c.summary) {
			t.Errorf("%q: no %q error on headers, got %v", c.headers, c.summary, diags)
			continue
		}
		for _, d := range diags {
			if !strings.Contains(d.Detail(), c.says) {
				t.Errorf("%q: detail %q does not say %s", c.headers, d.Detail(), c.says)
			}
			if strings.Contains(d.Detail(), secret) {
				t.Errorf("%q: detail repeats the secret: %s", c.headers, d.Detail())
			}
		}
	}
}
