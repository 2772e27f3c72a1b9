package kratostest

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"net/http"
	"strings"
	"testing"
)

// TestAdminTLS proves Options.AdminTLS makes Kratos serve its admin port over TLS with the
// test CA's certificate: a client that trusts the CA reads it, one that does not is refused,
// and the public port stays plain HTTP.
func TestAdminTLS(t *testing.T) {
	ca, err := NewCA("kratostest CA")
	if err != nil {
		t.Fatal(err)
	}
	leaf, err := ca.Issue("kratos admin", LeafOptions{})
	if err != nil {
		t.Fatal(err)
	}
	inst := StartT(t, Options{AdminTLS: leaf})
	if !strings.HasPrefix(inst.AdminURL, "https://127.0.0.1:") {
		t.Fatalf("AdminURL = %q, want https://127.0.0.1:…", inst.AdminURL)
	}
	trusting := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: ca.Pool()}}}
	res, err := trusting.Get(inst.AdminURL + "/admin/health/ready")
	if err != nil {
		t.Fatalf("with the CA trusted: %v", err)
	}
	_ = res.Body.Close()
	if res.StatusCode != http.StatusOK || res.TLS == nil {
		t.Errorf("with the CA trusted: HTTP %d, TLS %v; want 200 over TLS", res.StatusCode, res.TLS != nil)
	}
	var unknownAuthority x509.UnknownAuthorityError
	if _, err := http.Get(inst.AdminURL + "/admin/health/ready"); !errors.As(err, &unknownAuthority) {
		t.Errorf("without the CA: %v, want x509.UnknownAuthorityError", err)
	}
	var schemas []map[string]any
	getJSON(t, inst.PublicURL+"/schemas", &schemas)
	if len(schemas) != len(schemaIDs) {
		t.Errorf("public port: %d schemas, want %d", len(schemas), len(schemaIDs))
	}
}
