package kratostest

import (
	"crypto/tls"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
)

// ProxyOptions configure a TLS reverse proxy in front of Kratos, as an ingress or a service
// mesh would put one.
type ProxyOptions struct {
	// Server is the certificate the proxy presents; it must be valid for 127.0.0.1.
	Server *Leaf
	// ClientCA, when set, makes the proxy require a client certificate that it signed
	// (tls.RequireAndVerifyClientCert): mutual TLS.
	ClientCA *CA
	// Prefix is a path prefix, such as /kratos-admin, under which the proxy serves Kratos; it
	// strips the prefix before forwarding and answers 404 outside it.
	Prefix string
	// MaxVersion caps the TLS version the proxy speaks, such as tls.VersionTLS12; zero keeps Go's.
	MaxVersion uint16
}

// Proxy is a running TLS reverse proxy that counts the TLS handshakes it is asked for.
type Proxy struct {
	// URL is the proxy's base URL, its prefix included, e.g. https://127.0.0.1:40123/kratos-admin.
	URL        string
	handshakes atomic.Int64
}

// StartProxy starts a TLS reverse proxy to target (such as an instance's AdminURL) on a free
// loopback port; it stops when the test ends.
func StartProxy(t testing.TB, target string, opts ProxyOptions) *Proxy {
	t.Helper()
	u, err := url.Parse(target)
	if err != nil {
		t.Fatal(err)
	}
	cert, err := opts.Server.TLSCertificate()
	if err != nil {
		t.Fatal(err)
	}
	p := &Proxy{}
	var handler http.Handler = httputil.NewSingleHostReverseProxy(u)
	if opts.Prefix != "" {
		handler = http.StripPrefix(strings.TrimSuffix(opts.Prefix, "/"), handler)
	}
	srv := httptest.NewUnstartedServer(handler)
	srv.TLS = &tls.Config{
		Certificates: []tls.Certificate{cert},
		MinVersion:   tls.VersionTLS12,
		MaxVersion:   opts.MaxVersion,
		GetConfigForClient: func(*tls.ClientHelloInfo) (*tls.Config, error) {
			p.handshakes.Add(1)
			return nil, nil // the server's own config
		},
	}
	if opts.ClientCA != nil {
		srv.TLS.ClientAuth = tls.RequireAndVerifyClientCert
		srv.TLS.ClientCAs = opts.ClientCA.Pool()
	}
	// Refused handshakes are what the tests provoke: keep them out of the test output.
	srv.Config.ErrorLog = discardLog
	srv.StartTLS()
	t.Cleanup(srv.Close)
	p.URL = srv.URL + strings.TrimSuffix(opts.Prefix, "/")
	return p
}

// discardLog swallows the proxy server's log of refused handshakes.
var discardLog = log.New(io.Discard, "", 0)

// Handshakes returns how many TLS handshakes clients have begun with the proxy.
func (p *Proxy) Handshakes() int64 { return p.handshakes.Load() }
