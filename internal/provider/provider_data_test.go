package provider

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"net"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-framework/diag"

	"github.com/kratos-tf/terraform-provider-kratos/internal/kratosclient"
)

func TestDescribeClientError(t *testing.T) {
	tests := []struct {
		name string
		err  error
		want []string
	}{
		{
			name: "proxy refuses",
			err:  &kratosclient.APIError{Method: "GET", URL: "http://k/admin/identities", StatusCode: 403, Body: "Forbidden"},
			want: []string{"A proxy in front of Kratos, not Kratos, answered GET http://k/admin/identities: HTTP 403 Forbidden", "Set api_key (or KRATOS_API_KEY)", "headers"},
		},
		{
			name: "Kratos refuses",
			err:  &kratosclient.APIError{Method: "GET", URL: "http://k/admin/identities", StatusCode: 401, KratosCode: 401, Message: "The request could not be authorized"},
			want: []string{"Kratos answered GET http://k/admin/identities: HTTP 401", "api_key and headers"},
		},
		{
			name: "the public port",
			err:  &kratosclient.PublicPortError{URL: "http://k:4433", Answer: &kratosclient.APIError{Method: "GET", URL: "http://k:4433/admin/version", StatusCode: 404}},
			want: []string{"http://k:4433 is Kratos's public port", "This looks like the public port", "serve.admin, 4434 by default", "public_url"},
		},
		{
			name: "unknown authority",
			err:  &kratosclient.TransportError{Method: "GET", URL: "https://k/admin/identities", Err: x509.UnknownAuthorityError{}, Attempts: 1},
			want: []string{"not trust", "Set ca_certificate (or KRATOS_CA_CERTIFICATE)"},
		},
		{
			name: "client certificate required",
			err: &kratosclient.TransportError{Method: "GET", URL: "https://k/admin/identities", Attempts: 1,
				Err: &net.OpError{Op: "remote error", Err: tls.AlertError(116)}},
			want: []string{"requires a TLS client certificate", "set client_certificate and client_key (or KRATOS_CLIENT_CERTIFICATE and KRATOS_CLIENT_KEY)"},
		},
		{
			name: "plain-text router 404 means the wrong port",
			err:  &kratosclient.APIError{Method: "GET", URL: "http://k/admin/identities/x", StatusCode: 404, Body: "404 page not found"},
			want: []string{"HTTP 404", "admin port"},
		},
		{
			name: "Kratos 404 is not about the port",
			err:  &kratosclient.APIError{Method: "GET", URL: "http://k/admin/identities/x", StatusCode: 404, Message: "Unable to locate the resource"},
			want: []string{"Unable to locate the resource"},
		},
		{
			name: "overloaded",
			err:  &kratosclient.APIError{Method: "GET", URL: "http://k/admin/identities", StatusCode: 503},
			want: []string{"HTTP 503", "raise max_retries"},
		},
		{
			name: "retried only when it was",
			err:  &kratosclient.APIError{Method: "GET", URL: "http://k/admin/identities", StatusCode: 503, Attempts: 5},
			want: []string{"already retried (5 attempts)"},
		},
		{
			name: "a lost answer to a write that is not repeated",
			err:  &kratosclient.APIError{Method: "PATCH", URL: "http://k/admin/identities/x", StatusCode: 502, Attempts: 1, MayHaveBeenApplied: true},
			want: []string{"HTTP 502", "may already have been applied", "next terraform plan or apply"},
		},
		{
			name: "redirect from the public URL",
			err:  &kratosclient.RedirectError{Method: "GET", Path: "/schemas/default", Origin: "http://a", Target: "http://b", FromPublicURL: true},
			want: []string{"http://b", "public_url"},
		},
		{
			name: "unreachable",
			err:  &kratosclient.TransportError{Method: "GET", URL: "http://k:1/admin/identities", Err: &net.OpError{Op: "dial", Err: errors.New("connection refused")}},
			want: []string{"GET http://k:1/admin/identities", "could not connect", "KRATOS_ADMIN_URL"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := describeClientError(tt.err)
			for _, w := range tt.want {
				if !strings.Contains(got, w) {
					t.Errorf("describeClientError() = %q, want it to contain %q", got, w)
				}
			}
			if tt.name == "Kratos 404 is not about the port" && strings.Contains(got, "admin port") {
				t.Errorf("describeClientError() = %q blames the port for a Kratos 404", got)
			}
			var apiErr *kratosclient.APIError
			if errors.As(tt.err, &apiErr) && apiErr.Attempts <= 1 && strings.Contains(got, "retried") {
				t.Errorf("describeClientError() = %q claims a retry after a single attempt", got)
			}
		})
	}
}

// TestEveryTLSFailureHasAHint proves each kind of TLS failure the client tells apart says which
// setting fixes it.
func TestEveryTLSFailureHasAHint(t *testing.T) {
	for kind := kratosclient.TLSUnknownAuthority; kind <= kratosclient.TLSHandshakeFailed; kind++ {
		if tlsFailureHints[kind] == "" {
			t.Errorf("TLS failure %d has no hint", kind)
		}
	}
}

func TestClientOrError(t *testing.T) {
	var diags diag.Diagnostics
	if c := (*providerData)(nil).clientOrError(&diags); c != nil || !diags.HasError() {
		t.Fatalf("nil provider data: got client %v, diagnostics %v", c, diags)
	}
	diags = nil
	pd := &providerData{unknownAttribute: "admin_url"}
	if c := pd.clientOrError(&diags); c != nil || !diags.HasError() || !strings.Contains(diags[0].Detail(), "admin_url is known only after apply") {
		t.Fatalf("unknown config: got client %v, diagnostics %v", c, diags)
	}
}
