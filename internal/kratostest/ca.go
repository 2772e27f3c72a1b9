package kratostest

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"fmt"
	"math/big"
	"net"
	"testing"
	"time"
)

// CA is a certificate authority made for a test: it issues the certificates Kratos, a proxy and
// a client present, so that tests never depend on the machine's trusted roots.
type CA struct {
	// CertPEM is the CA's own certificate, PEM-encoded: what a client or server must trust.
	CertPEM []byte
	cert    *x509.Certificate
	key     *ecdsa.PrivateKey
}

// Leaf is a certificate a CA issued, with its key, both PEM-encoded.
type Leaf struct {
	CertPEM []byte
	KeyPEM  []byte
}

// LeafOptions describe a certificate to issue; the zero value is a server certificate for
// 127.0.0.1, valid from an hour ago until a day from now.
type LeafOptions struct {
	// DNSNames and IPs are the names the certificate is valid for; both empty means 127.0.0.1.
	DNSNames []string
	IPs      []net.IP
	// Client makes a client certificate (extended key usage clientAuth) instead of a server one.
	Client bool
	// NotBefore and NotAfter bound the validity; zero values mean an hour ago and a day from now.
	NotBefore, NotAfter time.Time
}

// NewCA makes a CA named name, valid from an hour ago for a day, with an ECDSA P-256 key.
func NewCA(name string) (*CA, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, fmt.Errorf("kratostest: CA key: %w", err)
	}
	now := time.Now()
	tmpl := &x509.Certificate{
		SerialNumber:          serialNumber(),
		Subject:               pkix.Name{CommonName: name},
		NotBefore:             now.Add(-time.Hour),
		NotAfter:              now.Add(24 * time.Hour),
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageDigitalSignature,
		BasicConstraintsValid: true,
		IsCA:                  true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return nil, fmt.Errorf("kratostest: CA certificate: %w", err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		return nil, fmt.Errorf("kratostest: CA certificate: %w", err)
	}
	return &CA{CertPEM: pemBlock("CERTIFICATE", der), cert: cert, key: key}, nil
}

// Issue makes a certificate for commonName signed by the CA, with a fresh ECDSA P-256 key.
func (ca *CA) Issue(commonName string, opts LeafOptions) (*Leaf, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, fmt.Errorf("kratostest: key for %s: %w", commonName, err)
	}
	now := time.Now()
	tmpl := &x509.Certificate{
		SerialNumber: serialNumber(),
		Subject:      pkix.Name{CommonName: commonName},
		NotBefore:    now.Add(-time.Hour),
		NotAfter:     now.Add(24 * time.Hour),
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		DNSNames:     opts.DNSNames,
		IPAddresses:  opts.IPs,
	}
	if opts.Client {
		tmpl.ExtKeyUsage = []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}
	} else if len(opts.DNSNames) == 0 && len(opts.IPs) == 0 {
		tmpl.IPAddresses = []net.IP{net.IPv4(127, 0, 0, 1)}
	}
	if !opts.NotBefore.IsZero() {
		tmpl.NotBefore = opts.NotBefore
	}
	if !opts.NotAfter.IsZero() {
		tmpl.NotAfter = opts.NotAfter
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca.cert, &key.PublicKey, ca.key)
	if err != nil {
		return nil, fmt.Errorf("kratostest: certificate for %s: %w", commonName, err)
	}
	keyDER, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return nil, fmt.Errorf("kratostest: key for %s: %w", commonName, err)
	}
	return &Leaf{CertPEM: pemBlock("CERTIFICATE", der), KeyPEM: pemBlock("PRIVATE KEY", keyDER)}, nil
}

// Pool returns a certificate pool that trusts the CA.
func (ca *CA) Pool() *x509.CertPool {
	pool := x509.NewCertPool()
	pool.AddCert(ca.cert)
	return pool
}

// TLSCertificate returns the leaf as a certificate a tls.Config can present.
func (l *Leaf) TLSCertificate() (tls.Certificate, error) {
	return tls.X509KeyPair(l.CertPEM, l.KeyPEM)
}

// serialNumber returns a random 128-bit certificate serial number.
func serialNumber() *big.Int {
	n, _ := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 128)) // crypto/rand never fails
	return n
}

// pemBlock encodes der as one PEM block of type typ.
func pemBlock(typ string, der []byte) []byte {
	return pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: der})
}

// PKI is a test CA with the certificates the TLS tests use.
type PKI struct {
	// CA signs Server, Client and Expired; OtherCA signs Stranger.
	CA, OtherCA *CA
	// Server is a server certificate for 127.0.0.1.
	Server *Leaf
	// Client is a client certificate; Expired one that expired a day ago.
	Client, Expired *Leaf
	// Stranger is a client certificate of another CA.
	Stranger *Leaf
}

// NewPKI makes a PKI for one test, failing it on any error.
func NewPKI(t testing.TB) *PKI {
	t.Helper()
	newCA := func(name string) *CA {
		ca, err := NewCA(name)
		if err != nil {
			t.Fatal(err)
		}
		return ca
	}
	issue := func(ca *CA, name string, opts LeafOptions) *Leaf {
		leaf, err := ca.Issue(name, opts)
		if err != nil {
			t.Fatal(err)
		}
		return leaf
	}
	ca, other := newCA("test CA"), newCA("other CA")
	return &PKI{
		CA: ca, OtherCA: other,
		Server:   issue(ca, "kratos admin", LeafOptions{}),
		Client:   issue(ca, "terraform", LeafOptions{Client: true}),
		Expired:  issue(ca, "old terraform", LeafOptions{Client: true, NotBefore: time.Now().Add(-48 * time.Hour), NotAfter: time.Now().Add(-24 * time.Hour)}),
		Stranger: issue(other, "stranger", LeafOptions{Client: true}),
	}
}
