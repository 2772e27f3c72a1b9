package kratosclient_test

import (
	"net/http"
	"net/url"
	"sync"
	"testing"

	"github.com/kratos-tf/terraform-provider-kratos/internal/kratosclient"
)

// headerRecorder is an http.RoundTripper that records the URL and headers of every request
// it forwards, each redirect hop included.
type headerRecorder struct {
	mu       sync.Mutex
	requests []recordedRequest
}

// recordedRequest is one request a headerRecorder saw.
type recordedRequest struct {
	url    *url.URL
	header http.Header
}

// RoundTrip records req and forwards it.
func (r *headerRecorder) RoundTrip(req *http.Request) (*http.Response, error) {
	r.mu.Lock()
	r.requests = append(r.requests, recordedRequest{url: req.URL, header: req.Header.Clone()})
	r.mu.Unlock()
	return http.DefaultTransport.RoundTrip(req)
}

// TestCredentialsStayWithTheAdminOrigin proves the API key and the configured headers reach the
// admin URL but neither the public URL (another origin: another port) nor Kratos's redirect of an
// admin-port schema read to it.
func TestCredentialsStayWithTheAdminOrigin(t *testing.T) {
	const apiKey, tenant = "origin-api-key-1", "origin-tenant-1"
	admin, err := url.Parse(kratos.AdminURL)
	if err != nil {
		t.Fatal(err)
	}
	pub, err := kratosclient.ParseBaseURL(kratos.PublicURL)
	if err != nil {
		t.Fatal(err)
	}
	for name, public := range map[string][]kratosclient.Option{
		"public URL":     {kratosclient.WithPublicURL(pub)},
		"admin redirect": nil,
	} {
		t.Run(name, func(t *testing.T) {
			rec := &headerRecorder{}
			opts := append([]kratosclient.Option{kratosclient.WithHTTPClient(&http.Client{Transport: rec}),
				kratosclient.WithAPIKey(apiKey), kratosclient.WithHeaders(map[string]string{"X-Tenant": tenant})}, public...)
			c, err := kratosclient.New(kratos.AdminURL, opts...)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := c.GetIdentitySchema(t.Context(), "default"); err != nil {
				t.Fatal(err)
			}
			if _, err := c.GetIdentity(t.Context(), unknownUUID); !kratosclient.IsNotFound(err) {
				t.Fatalf("GetIdentity of an unknown ID: %v, want a 404", err)
			}
			var toAdmin, toPublic int
			for _, r := range rec.requests {
				auth, custom := r.header.Get("Authorization"), r.header.Get("X-Tenant")
				switch r.url.Host {
				case admin.Host:
					toAdmin++
					if auth != "Bearer "+apiKey || custom != tenant {
						t.Errorf("%s: Authorization %q, X-Tenant %q; want the API key and the header on the admin origin", r.url, auth, custom)
					}
				case pub.Host:
					toPublic++
					if auth != "" || custom != "" {
						t.Errorf("%s: Authorization %q, X-Tenant %q; want neither on the public origin", r.url, auth, custom)
					}
				default:
					t.Errorf("request to %s, which is neither the admin nor the public URL", r.url)
				}
			}
			if toAdmin == 0 || toPublic == 0 {
				t.Errorf("%d requests to the admin origin and %d to the public one, want some of each", toAdmin, toPublic)
			}
		})
	}
}
