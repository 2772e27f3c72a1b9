package provider

import (
	"fmt"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/provider"
	"github.com/hashicorp/terraform-plugin-framework/tfsdk"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/kratos-tf/terraform-provider-kratos/internal/kratostest"
)

// configureInProcess runs the provider's Configure with config (attribute name to value) and
// returns its diagnostics and whether it built a client.
func configureInProcess(t *testing.T, config map[string]any) (diag.Diagnostics, bool) {
	t.Helper()
	p := New("test")()
	var schemaResp provider.SchemaResponse
	p.Schema(t.Context(), provider.SchemaRequest{}, &schemaResp)
	_, raw := configValue(t, schemaResp.Schema.Type().TerraformType(t.Context()), config)
	var resp provider.ConfigureResponse
	p.Configure(t.Context(), provider.ConfigureRequest{Config: tfsdk.Config{Schema: schemaResp.Schema, Raw: raw}}, &resp)
	pd, _ := resp.ResourceData.(*providerData)
	return resp.Diagnostics, pd != nil && pd.client != nil
}

// TestProviderConfigure_tls proves each TLS setting, from the configuration or its environment
// variable, is checked when the provider is configured: a diagnostic on the attribute that says
// where the value came from, never showing a key, and a warning whenever verification is off.
func TestProviderConfigure_tls(t *testing.T) {
	pki := kratostest.NewPKI(t)
	cert, key := string(pki.Client.CertPEM), string(pki.Client.KeyPEM)
	tests := []struct {
		name      string
		config    map[string]any
		env       map[string]string
		severity  diag.Severity
		attribute string
		says      []string
	}{
		{"CA from the environment is a file name", nil, map[string]string{envCACertificate: "/etc/ssl/ca.pem"}, diag.SeverityError, "ca_certificate",
			[]string{"Invalid CA certificate", "KRATOS_CA_CERTIFICATE (read because ca_certificate is not set): The value is not PEM text", `file("ca.pem")`}},
		// Errors about the key have no attribute path: the CLI would print the key's line of the configuration.
		{"key of another certificate", map[string]any{"client_certificate": cert, "client_key": string(pki.Stranger.KeyPEM)}, nil, diag.SeverityError, "",
			[]string{"Invalid client key", `not the private key of the client certificate ("terraform")`}},
		{"key from the environment without a certificate", nil, map[string]string{envClientKey: key}, diag.SeverityError, "client_certificate",
			[]string{"Invalid client certificate", "The client key is set, but not the client certificate", "Set client_certificate (or KRATOS_CLIENT_CERTIFICATE)"}},
		{"expired client certificate", map[string]any{"client_certificate": string(pki.Expired.CertPEM), "client_key": string(pki.Expired.KeyPEM)}, nil,
			diag.SeverityError, "client_certificate", []string{"Invalid client certificate", `"old terraform" expired on`}},
		{"skip-verify from the environment is not a boolean", nil, map[string]string{envInsecureSkipVerify: "yes please"}, diag.SeverityError, "insecure_skip_verify",
			[]string{"KRATOS_INSECURE_SKIP_VERIFY is \"yes please\", which is not true or false"}},
		{"skip-verify on", map[string]any{"insecure_skip_verify": true}, nil, diag.SeverityWarning, "insecure_skip_verify",
			[]string{"TLS certificate verification is off", "anyone on the network path can read and change"}},
		{"skip-verify on from the environment, with a CA", map[string]any{"ca_certificate": string(pki.CA.CertPEM)}, map[string]string{envInsecureSkipVerify: "true"},
			diag.SeverityWarning, "insecure_skip_verify", []string{"TLS certificate verification is off", "ca_certificate has no effect"}},
		{"an expired certificate in the CA bundle", map[string]any{"ca_certificate": string(pki.CA.CertPEM) + string(pki.Expired.CertPEM)}, nil,
			diag.SeverityWarning, "ca_certificate", []string{"Expired CA certificate ignored", `"old terraform" expired on`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for _, env := range []string{envCACertificate, envClientCertificate, envClientKey, envInsecureSkipVerify} {
				t.Setenv(env, tt.env[env])
			}
			config := map[string]any{"admin_url": "http://127.0.0.1:4434"}
			for k, v := range tt.config {
				config[k] = v
			}
			diags, built := configureInProcess(t, config)
			if len(diags) != 1 || diags[0].Severity() != tt.severity || !hasAttributeDiag(diags[0], tt.attribute) {
				t.Fatalf("diagnostics %v, want one of severity %v on %s", diags, tt.severity, tt.attribute)
			}
			text := diags[0].Summary() + ": " + diags[0].Detail()
			for _, s := range tt.says {
				if !strings.Contains(text, s) {
					t.Errorf("diagnostic %q, want it to say %q", text, s)
				}
			}
			for _, leaf := range []*kratostest.Leaf{pki.Client, pki.Expired, pki.Stranger} {
				if body := strings.Split(string(leaf.KeyPEM), "\n")[1]; strings.Contains(text, body) {
					t.Errorf("diagnostic %q shows a private key", text)
				}
			}
			if built != (tt.severity == diag.SeverityWarning) {
				t.Errorf("client built: %v, want one only without an error", built)
			}
		})
	}
	t.Run("good settings", func(t *testing.T) {
		for _, env := range []string{envCACertificate, envClientCertificate, envClientKey, envInsecureSkipVerify} {
			t.Setenv(env, "")
		}
		t.Setenv(envClientKey, key)
		diags, built := configureInProcess(t, map[string]any{"admin_url": "https://127.0.0.1:4434", "ca_certificate": string(pki.CA.CertPEM), "client_certificate": cert})
		if len(diags) != 0 || !built {
			t.Fatalf("diagnostics %v, client built %v; want a client and no diagnostic", diags, built)
		}
	})
}

// hasAttributeDiag reports whether d is about the root attribute name, or has no path when name is empty.
func hasAttributeDiag(d diag.Diagnostic, name string) bool {
	withPath, ok := d.(diag.DiagnosticWithPath)
	if name == "" {
		return !ok
	}
	return ok && withPath.Path().String() == name
}

// tlsProviderConfig is a provider block for adminURL with extra settings, and a data source
// that reads the admin API, so that every plan sends a request to it.
func tlsProviderConfig(adminURL, publicURL, extra string) string {
	return fmt.Sprintf(`
provider "kratos" {
  admin_url  = %q
  public_url = %q
%s
}

data "kratos_identities" "first" {
  limit = 1
}
`, adminURL, publicURL, extra)
}

// hclString renders s as an HCL string literal (PEM text, with its line breaks).
func hclString(s string) string {
	return fmt.Sprintf("%q", s)
}

// TestAccProvider_privateCA proves a Kratos whose admin port serves TLS with a certificate of a
// private CA (serve.admin.tls) is refused with a diagnostic that names ca_certificate, and that
// with ca_certificate the provider creates, reads and destroys identities through it.
func TestAccProvider_privateCA(t *testing.T) {
	skipWithoutAcc(t)
	pki := kratostest.NewPKI(t)
	inst := kratostest.StartT(t, kratostest.Options{AdminTLS: pki.Server})
	email := uniqueEmail(t, "private-ca")
	identity := fmt.Sprintf(`
resource "kratos_identity" "over_tls" {
  traits = jsonencode({ email = %q })
}
`, email)
	withCA := "  ca_certificate = " + hclString(string(pki.CA.CertPEM))
	resource.Test(t, resource.TestCase{
		PreCheck:                 func() { testAccPreCheck(t) },
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{
				Config:      tlsProviderConfig(inst.AdminURL, inst.PublicURL, ""),
				ExpectError: expectError("signed by a certificate authority the client does not trust", "Set ca_certificate (or KRATOS_CA_CERTIFICATE)"),
			},
			{
				Config: tlsProviderConfig(inst.AdminURL, inst.PublicURL, withCA) + identity,
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue("kratos_identity.over_tls", tfjsonpath.New("state"), knownvalue.StringExact("active")),
				},
			},
		},
	})
}

// TestAccProvider_mutualTLS proves a proxy that requires a client certificate in front of Kratos,
// under a path prefix, refuses the provider without one (at once: a refused handshake is not
// retried), with a diagnostic that names client_certificate and client_key, and that with them
// the provider creates, reads and destroys identities through it.
func TestAccProvider_mutualTLS(t *testing.T) {
	skipWithoutAcc(t)
	pki := kratostest.NewPKI(t)
	proxy := kratostest.StartProxy(t, testKratos.AdminURL, kratostest.ProxyOptions{Server: pki.Server, ClientCA: pki.CA, Prefix: "/kratos-admin"})
	caOnly := "  ca_certificate = " + hclString(string(pki.CA.CertPEM))
	mutual := caOnly + "\n  client_certificate = " + hclString(string(pki.Client.CertPEM)) + "\n  client_key = " + hclString(string(pki.Client.KeyPEM))
	email := uniqueEmail(t, "mtls")
	var handshakesBefore int64
	resource.Test(t, resource.TestCase{
		PreCheck:                 func() { testAccPreCheck(t) },
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{
				PreConfig: func() { handshakesBefore = proxy.Handshakes() },
				Config:    tlsProviderConfig(proxy.URL, testKratos.PublicURL, caOnly),
				ExpectError: expectError("requires a TLS client certificate, and none was sent (remote error: tls: certificate required)",
					"set client_certificate and client_key (or KRATOS_CLIENT_CERTIFICATE and KRATOS_CLIENT_KEY)"),
			},
			{
				PreConfig: func() {
					// One plan, one request, one handshake: the refused handshake was not retried.
					if n := proxy.Handshakes() - handshakesBefore; n != 1 {
						t.Errorf("%d handshakes for the refused plan, want 1", n)
					}
				},
				Config: tlsProviderConfig(proxy.URL, testKratos.PublicURL, mutual) + fmt.Sprintf(`
resource "kratos_identity" "through_proxy" {
  traits = jsonencode({ email = %q })
}
`, email),
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue("kratos_identity.through_proxy", tfjsonpath.New("traits"), knownvalue.StringExact(fmt.Sprintf(`{"email":%q}`, email))),
				},
			},
		},
	})
}

// TestAccProvider_badTLSValues proves TLS settings that cannot work are errors at plan time, on
// the attribute, before any request.
func TestAccProvider_badTLSValues(t *testing.T) {
	skipWithoutAcc(t)
	pki := kratostest.NewPKI(t)
	resource.Test(t, resource.TestCase{
		PreCheck:                 func() { testAccPreCheck(t) },
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{
				Config:      tlsProviderConfig(testKratos.AdminURL, testKratos.PublicURL, `  ca_certificate = "/etc/ssl/private-ca.pem"`),
				ExpectError: expectError("Invalid CA certificate", "ca_certificate", "The value is not PEM text"),
			},
			{
				Config:      tlsProviderConfig(testKratos.AdminURL, testKratos.PublicURL, "  client_certificate = "+hclString(string(pki.Client.CertPEM))),
				ExpectError: expectError("Invalid client key", "The client certificate is set, but not its private key", "Set client_key (or KRATOS_CLIENT_KEY)"),
			},
			{
				Config: tlsProviderConfig(testKratos.AdminURL, testKratos.PublicURL,
					"  client_certificate = "+hclString(string(pki.Client.CertPEM))+"\n  client_key = "+hclString(string(pki.Stranger.KeyPEM))),
				ExpectError: expectError("Invalid client key", `not the private key of the client certificate ("terraform")`, "Set client_key (or KRATOS_CLIENT_KEY)"),
			},
			{
				Config: tlsProviderConfig(testKratos.AdminURL, testKratos.PublicURL,
					"  client_certificate = "+hclString(string(pki.Expired.CertPEM))+"\n  client_key = "+hclString(string(pki.Expired.KeyPEM))),
				ExpectError: expectError("Invalid client certificate", "client_certificate", `"old terraform" expired on`),
			},
		},
	})
}
