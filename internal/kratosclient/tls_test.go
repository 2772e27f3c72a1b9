package kratosclient_test

import (
	"crypto/tls"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/kratos-tf/terraform-provider-kratos/internal/kratosclient"
	"github.com/kratos-tf/terraform-provider-kratos/internal/kratostest"
)

// tlsClient returns a client for adminURL (and publicURL, unless empty) with the given TLS
// settings and the default retries and backoff, so that a retried failure would take seconds.
func tlsClient(t *testing.T, adminURL, publicURL string, s kratosclient.TLSSettings) *kratosclient.Client {
	t.Helper()
	cfg, problems := s.Config(time.Now())
	if len(problems) > 0 {
		t.Fatalf("TLS settings: %+v", problems)
	}
	opts := []kratosclient.Option{kratosclient.WithTLSConfig(cfg)}
	if publicURL != "" {
		pub, err := kratosclient.ParseBaseURL(publicURL)
		if err != nil {
			t.Fatal(err)
		}
		opts = append(opts, kratosclient.WithPublicURL(pub))
	}
	c, err := kratosclient.New(adminURL, opts...)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// wantTLSFailure fails unless err is a *TransportError of kind after one attempt, which the
// server cannot have acted on, and whose text says what the kind means.
func wantTLSFailure(t *testing.T, what string, err error, kind kratosclient.TLSFailure, says string) {
	t.Helper()
	var tErr *kratosclient.TransportError
	if !errors.As(err, &tErr) {
		t.Fatalf("%s: %v (%T), want a *TransportError", what, err, err)
	}
	if got := kratosclient.TLSFailureOf(err); got != kind {
		t.Errorf("%s: TLSFailureOf = %d, want %d (%v)", what, got, kind, err)
	}
	if tErr.Attempts != 1 {
		t.Errorf("%s: %d attempts, want 1: a TLS failure is never retried", what, tErr.Attempts)
	}
	if tErr.MayHaveReachedServer() || kratosclient.MayHaveBeenApplied(err) {
		t.Errorf("%s: may have reached the server; a failed handshake never does", what)
	}
	if !strings.Contains(err.Error(), says) {
		t.Errorf("%s: %q, want it to say %q", what, err, says)
	}
}

// listError returns the error of listing the first page of identities, or nil.
func listError(t *testing.T, c *kratosclient.Client) error {
	t.Helper()
	for _, err := range c.ListIdentities(t.Context(), kratosclient.ListIdentitiesParams{PageSize: 1}) {
		return err
	}
	return nil
}

// TestPrivateCA proves a Kratos that serves its admin port with a certificate of a private CA
// (serve.admin.tls) is refused, at once and without retries, until the CA is trusted; that a
// name the certificate is not for and an expired certificate are refused likewise; and that the
// CA applies to a public URL served over TLS as well.
func TestPrivateCA(t *testing.T) {
	pki := kratostest.NewPKI(t)
	inst := kratostest.StartT(t, kratostest.Options{AdminTLS: pki.Server})
	// The public port is plain HTTP; a TLS proxy in front of it serves it with the same CA.
	public := kratostest.StartProxy(t, inst.PublicURL, kratostest.ProxyOptions{Server: pki.Server})
	trusted := kratosclient.TLSSettings{CACertificate: string(pki.CA.CertPEM)}

	t.Run("without the CA", func(t *testing.T) {
		start := time.Now()
		_, err := tlsClient(t, inst.AdminURL, "", kratosclient.TLSSettings{}).ServerVersion(t.Context())
		t.Logf("failed in %s: %v", time.Since(start).Round(time.Millisecond), err)
		wantTLSFailure(t, "admin URL", err, kratosclient.TLSUnknownAuthority, "signed by a certificate authority the client does not trust")
		_, err = tlsClient(t, inst.AdminURL, public.URL, kratosclient.TLSSettings{}).GetIdentitySchema(t.Context(), kratostest.SchemaDefault)
		wantTLSFailure(t, "public URL", err, kratosclient.TLSUnknownAuthority, "signed by a certificate authority the client does not trust")
	})
	t.Run("with the CA", func(t *testing.T) {
		c := tlsClient(t, inst.AdminURL, public.URL, trusted)
		id := mustCreate(t, c, kratosclient.CreateIdentityBody{SchemaID: "default", Traits: rawJSON(t, map[string]any{"email": uniqueEmail(t, "ca")})})
		if got, err := c.GetIdentity(t.Context(), id.ID); err != nil || got.ID != id.ID {
			t.Fatalf("GetIdentity over TLS: %v, %v", got, err)
		}
		if _, err := c.GetIdentitySchema(t.Context(), kratostest.SchemaDefault); err != nil {
			t.Fatalf("GetIdentitySchema through the public URL over TLS: %v", err)
		}
	})
	t.Run("insecure_skip_verify", func(t *testing.T) {
		if _, err := tlsClient(t, inst.AdminURL, "", kratosclient.TLSSettings{InsecureSkipVerify: true}).ServerVersion(t.Context()); err != nil {
			t.Fatalf("with verification off: %v", err)
		}
	})
	t.Run("host name not in the certificate", func(t *testing.T) {
		// The certificate is for 127.0.0.1 only; localhost is the same server under another name.
		byName := strings.Replace(inst.AdminURL, "127.0.0.1", "localhost", 1)
		start := time.Now()
		_, err := tlsClient(t, byName, "", trusted).ServerVersion(t.Context())
		t.Logf("failed in %s: %v", time.Since(start).Round(time.Millisecond), err)
		wantTLSFailure(t, "localhost", err, kratosclient.TLSHostnameMismatch, "not valid for the URL's host")
	})
	t.Run("expired certificate", func(t *testing.T) {
		old, err := pki.CA.Issue("expired kratos admin", kratostest.LeafOptions{NotBefore: time.Now().Add(-48 * time.Hour), NotAfter: time.Now().Add(-24 * time.Hour)})
		if err != nil {
			t.Fatal(err)
		}
		expired := kratostest.StartT(t, kratostest.Options{AdminTLS: old})
		start := time.Now()
		_, err = tlsClient(t, expired.AdminURL, "", trusted).ServerVersion(t.Context())
		t.Logf("failed in %s: %v", time.Since(start).Round(time.Millisecond), err)
		wantTLSFailure(t, "expired", err, kratosclient.TLSCertificateExpired, "has expired or is not valid yet")
	})
}

// TestMutualTLSProxy proves a reverse proxy that requires a client certificate
// (tls.RequireAndVerifyClientCert) in front of Kratos, under a path prefix, refuses a client
// without one, or with one of another CA, in one handshake each, and serves one with the right
// certificate: reads and writes alike.
func TestMutualTLSProxy(t *testing.T) {
	pki := kratostest.NewPKI(t)
	proxy := kratostest.StartProxy(t, kratos.AdminURL, kratostest.ProxyOptions{Server: pki.Server, ClientCA: pki.CA, Prefix: "/kratos-admin"})
	proxy12 := kratostest.StartProxy(t, kratos.AdminURL, kratostest.ProxyOptions{Server: pki.Server, ClientCA: pki.CA, MaxVersion: tls.VersionTLS12})
	ca := string(pki.CA.CertPEM)
	refused := []struct {
		name     string
		proxy    *kratostest.Proxy
		settings kratosclient.TLSSettings
		kind     kratosclient.TLSFailure
		says     string
	}{
		{"no client certificate", proxy, kratosclient.TLSSettings{CACertificate: ca}, kratosclient.TLSClientCertificateRequired,
			"requires a TLS client certificate, and none was sent (remote error: tls: certificate required)"},
		{"another CA's client certificate", proxy, kratosclient.TLSSettings{CACertificate: ca,
			ClientCertificate: string(pki.Stranger.CertPEM), ClientKey: string(pki.Stranger.KeyPEM)},
			kratosclient.TLSClientCertificateRefused, "refused the TLS client certificate"},
		// Go's TLS 1.2 server answers a missing client certificate with a plain handshake_failure.
		{"no client certificate, TLS 1.2", proxy12, kratosclient.TLSSettings{CACertificate: ca}, kratosclient.TLSHandshakeFailed,
			"(remote error: tls: handshake failure); a TLS 1.2 server also answers so when it requires a client certificate that was not sent"},
	}
	for _, tt := range refused {
		t.Run(tt.name, func(t *testing.T) {
			c := tlsClient(t, tt.proxy.URL, kratos.PublicURL, tt.settings)
			before := tt.proxy.Handshakes()
			start := time.Now()
			err := listError(t, c)
			t.Logf("read failed in %s: %v", time.Since(start).Round(time.Millisecond), err)
			wantTLSFailure(t, "list", err, tt.kind, tt.says)
			// A create, which is not safe to repeat, is known not to have been applied.
			_, err = c.CreateIdentity(t.Context(), kratosclient.CreateIdentityBody{SchemaID: "default", Traits: rawJSON(t, map[string]any{"email": uniqueEmail(t, "refused")})})
			wantTLSFailure(t, "create", err, tt.kind, tt.says)
			if n := tt.proxy.Handshakes() - before; n != 2 {
				t.Errorf("%d handshakes for two requests, want 2: a refused handshake is not retried", n)
			}
		})
	}
	t.Run("with the client certificate", func(t *testing.T) {
		c := tlsClient(t, proxy.URL, kratos.PublicURL, kratosclient.TLSSettings{CACertificate: ca,
			ClientCertificate: string(pki.Client.CertPEM), ClientKey: string(pki.Client.KeyPEM)})
		id := mustCreate(t, c, kratosclient.CreateIdentityBody{SchemaID: "default", Traits: rawJSON(t, map[string]any{"email": uniqueEmail(t, "mtls")})})
		if got, err := c.GetIdentity(t.Context(), id.ID); err != nil || got.ID != id.ID {
			t.Fatalf("GetIdentity through the proxy: %v, %v", got, err)
		}
		if _, err := c.GetIdentity(t.Context(), unknownUUID); !kratosclient.IsNotFound(err) {
			t.Errorf("GetIdentity of an unknown ID through the proxy: %v, want Kratos's 404", err)
		}
		if err := listError(t, c); err != nil {
			t.Errorf("ListIdentities through the proxy: %v", err)
		}
	})
}
