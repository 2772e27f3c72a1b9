package provider

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"regexp"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"
)

// schemasConfig reads the identity schemas through a provider block with the given body.
func schemasConfig(providerBody string) string {
	return fmt.Sprintf(`
provider "kratos" {
%s
}

data "kratos_identity_schemas" "all" {}
`, providerBody)
}

// TestAccProvider_badValues proves bad settings get a diagnostic on the attribute before any request.
func TestAccProvider_badValues(t *testing.T) {
	resource.Test(t, resource.TestCase{
		PreCheck:                 func() { testAccPreCheck(t) },
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{Config: schemasConfig(`admin_url = "ftp://kratos.internal:4434"`), ExpectError: regexp.MustCompile(`(?s)Invalid URL.*must start with http:// or https://`)},
			{Config: schemasConfig(`public_url = "http://127.0.0.1:4433/?x=1"`), ExpectError: regexp.MustCompile(`(?s)Invalid URL.*must not have a query`)},
			{Config: schemasConfig(`request_timeout = "soon"`), ExpectError: regexp.MustCompile(`(?s)Invalid duration.*"soon" must be a positive Go duration`)},
			{Config: schemasConfig(`max_retries = -1`), ExpectError: regexp.MustCompile(`(?s)max_retries.*between 0 and 20`)},
		},
	})
}

// TestAccProvider_noScheme proves every form of an admin URL without a scheme gets one message
// that shows the URL with http:// in front, at validation, before any request.
func TestAccProvider_noScheme(t *testing.T) {
	var steps []resource.TestStep
	for _, u := range []string{"127.0.0.1:4434", "localhost:4434", "kratos:4434", "[::1]:4434", "kratos.example.com/admin"} {
		steps = append(steps, resource.TestStep{
			Config:      schemasConfig(fmt.Sprintf("admin_url = %q", u)),
			ExpectError: expectError("Invalid URL", fmt.Sprintf("%q has no scheme: write http://%s, or https://%s when", u, u, u)),
		})
	}
	resource.Test(t, resource.TestCase{
		PreCheck:                 func() { testAccPreCheck(t) },
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps:                    steps,
	})
}

// TestAccProvider_publicPortAsAdmin proves an admin_url that names Kratos's public port is
// recognised as such, for a read that the public port redirects and one it answers with 404.
func TestAccProvider_publicPortAsAdmin(t *testing.T) {
	skipWithoutAcc(t)
	want := expectError(testKratos.PublicURL+" is Kratos's public port, not its admin port",
		"This looks like the public port: admin_url (or KRATOS_ADMIN_URL) must name Kratos's admin port, serve.admin, 4434 by default")
	config := func(data string) string {
		return fmt.Sprintf("provider \"kratos\" {\n  admin_url = %q\n}\n%s", testKratos.PublicURL, data)
	}
	resource.Test(t, resource.TestCase{
		PreCheck:                 func() { testAccPreCheck(t) },
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{Config: config(`data "kratos_identities" "some" { limit = 1 }`), ExpectError: want},
			{Config: config(`data "kratos_sessions" "some" {}`), ExpectError: want},
		},
	})
}

// TestAccProvider_unreachable proves a Kratos that cannot be reached gives one clear diagnostic naming the URL.
func TestAccProvider_unreachable(t *testing.T) {
	// A listener closed at once leaves a port nothing answers on.
	srv := httptest.NewServer(http.NotFoundHandler())
	deadURL := srv.URL
	srv.Close()
	resource.Test(t, resource.TestCase{
		PreCheck:                 func() { testAccPreCheck(t) },
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{{
			Config: schemasConfig(fmt.Sprintf("admin_url = %q\npublic_url = %q\nmax_retries = 0", deadURL, deadURL)),
			ExpectError: regexp.MustCompile(fmt.Sprintf(`(?s)GET %s/schemas.*could\s+not\s+connect.*Check\s+that\s+Kratos\s+is\s+running`,
				regexp.QuoteMeta(deadURL))),
		}},
	})
}

// TestAccProvider_proxyRefuses proves a 401 from a proxy in front of Kratos points at api_key and headers.
func TestAccProvider_proxyRefuses(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		http.Error(w, "Unauthorized", http.StatusUnauthorized)
	}))
	t.Cleanup(srv.Close)
	resource.Test(t, resource.TestCase{
		PreCheck:                 func() { testAccPreCheck(t) },
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{{
			Config: schemasConfig(fmt.Sprintf("admin_url = %q\npublic_url = %q", srv.URL, srv.URL)),
			ExpectError: expectError("A proxy in front of Kratos, not Kratos, answered GET "+srv.URL, "HTTP 401 Unauthorized",
				"Kratos's own errors are JSON with an error.code; this answer is not", "Set api_key (or KRATOS_API_KEY)", "or headers"),
		}},
	})
}

// headerRecorder is a reverse proxy to the real Kratos that remembers the headers it saw.
type headerRecorder struct {
	mu      sync.Mutex
	headers []http.Header
}

// recordingServer starts a headerRecorder in front of target and returns it with its URL.
func recordingServer(t *testing.T, target string) (*headerRecorder, string) {
	t.Helper()
	u, err := url.Parse(target)
	if err != nil {
		t.Fatal(err)
	}
	rec := &headerRecorder{}
	proxy := httputil.NewSingleHostReverseProxy(u)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rec.mu.Lock()
		rec.headers = append(rec.headers, r.Header.Clone())
		rec.mu.Unlock()
		proxy.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	return rec, srv.URL
}

// seen returns the headers of every request the recorder forwarded.
func (rec *headerRecorder) seen() []http.Header {
	rec.mu.Lock()
	defer rec.mu.Unlock()
	return slices.Clone(rec.headers)
}

// TestAccProvider_authHeaders proves api_key and headers reach Kratos's admin API, and only it:
// the public URL, another origin, gets neither (each through a proxy that records them).
func TestAccProvider_authHeaders(t *testing.T) {
	skipWithoutAcc(t)
	admin, adminURL := recordingServer(t, testKratos.AdminURL)
	public, publicURL := recordingServer(t, testKratos.PublicURL)
	resource.Test(t, resource.TestCase{
		PreCheck:                 func() { testAccPreCheck(t) },
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{{
			Config: schemasConfig(fmt.Sprintf(`admin_url  = %q
public_url = %q
api_key    = "test-api-key-123"
headers    = { "X-Tenant" = "blue" }`, adminURL, publicURL)) + `
data "kratos_identities" "some" {
  limit = 1
}
`,
			ConfigStateChecks: []statecheck.StateCheck{
				statecheck.ExpectKnownValue("data.kratos_identity_schemas.all", tfjsonpath.New("schemas"), knownvalue.ListSizeExact(len(testKratos.SchemaIDs()))),
			},
		}},
	})
	adminSeen, publicSeen := admin.seen(), public.seen()
	if len(adminSeen) == 0 || len(publicSeen) == 0 {
		t.Fatalf("requests through the admin proxy: %d, through the public proxy: %d; want some through each", len(adminSeen), len(publicSeen))
	}
	for _, h := range adminSeen {
		if got := h.Get("Authorization"); got != "Bearer test-api-key-123" {
			t.Errorf("admin: Authorization = %q, want the bearer token", got)
		}
		if got := h.Get("X-Tenant"); got != "blue" {
			t.Errorf("admin: X-Tenant = %q, want blue", got)
		}
	}
	for _, h := range publicSeen {
		if got, tenant := h.Get("Authorization"), h.Get("X-Tenant"); got != "" || tenant != "" {
			t.Errorf("public: Authorization = %q, X-Tenant = %q; want neither on another origin", got, tenant)
		}
	}
	for _, h := range append(adminSeen, publicSeen...) {
		if got := h.Get("User-Agent"); !regexp.MustCompile(`^terraform-provider-kratos/test`).MatchString(got) {
			t.Errorf("User-Agent = %q, want it to carry the provider version", got)
		}
	}
}

// TestAccProvider_unknownUntilApply proves a provider configured from values known only after
// apply plans and applies a resource, and that a data source, which the CLI reads during plan,
// gets a diagnostic that says what to do.
func TestAccProvider_unknownUntilApply(t *testing.T) {
	skipWithoutAcc(t)
	email := fmt.Sprintf("unknown-config-%d@example.com", time.Now().UnixNano())
	config := func(extra string) string {
		return fmt.Sprintf(`
resource "terraform_data" "endpoint" {
  input = %q
}

provider "kratos" {
  admin_url = terraform_data.endpoint.output
}

resource "kratos_identity" "late" {
  traits = jsonencode({ email = %q })
}
%s`, testKratos.AdminURL, email, extra)
	}
	resource.Test(t, resource.TestCase{
		PreCheck:                 func() { testAccPreCheck(t) },
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{
				Config:      config(`data "kratos_identity_schemas" "all" {}`),
				ExpectError: regexp.MustCompile(`(?s)Provider configuration not yet known.*admin_url is known only after\s+apply`),
			},
			{
				Config: config(""),
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue("kratos_identity.late", tfjsonpath.New("traits"), knownvalue.StringExact(fmt.Sprintf(`{"email":%q}`, email))),
					statecheck.ExpectKnownValue("kratos_identity.late", tfjsonpath.New("state"), knownvalue.StringExact("active")),
				},
			},
		},
	})
}
