package kratosclient

import (
	"crypto/tls"
	"crypto/x509"
	"encoding/pem"
	"fmt"
	"strings"
	"time"
)

// TLSSettings are what a Client trusts and presents on https:// URLs, the admin and the public
// URL alike, as PEM text. The zero value keeps Go's defaults: the system's CAs and no client
// certificate.
type TLSSettings struct {
	// CACertificate is a PEM bundle of the CAs to trust instead of the system's.
	CACertificate string
	// ClientCertificate (the certificate, then any intermediates) and ClientKey are presented to
	// a server that asks for a client certificate (mutual TLS); both or neither.
	ClientCertificate string
	ClientKey         string
	// InsecureSkipVerify accepts any server certificate, for any host.
	InsecureSkipVerify bool
}

// TLSSetting names a field of TLSSettings.
type TLSSetting int

// The fields of TLSSettings a TLSProblem can be about.
const (
	SettingCACertificate TLSSetting = iota
	SettingClientCertificate
	SettingClientKey
)

// TLSProblem is what is wrong with one setting. Its text never contains key material.
type TLSProblem struct {
	Setting TLSSetting
	// Problem is one or more sentences that say what is wrong.
	Problem string
	// Warning is set for a problem that does not stop the settings from working.
	Warning bool
}

// Config checks s at time now and builds the tls.Config it describes: nil for the zero value,
// or when a problem that is not a warning was found. Every problem found is returned.
func (s TLSSettings) Config(now time.Time) (*tls.Config, []TLSProblem) {
	if s == (TLSSettings{}) {
		return nil, nil
	}
	cfg := &tls.Config{MinVersion: tls.VersionTLS12, InsecureSkipVerify: s.InsecureSkipVerify} //nolint:gosec // the user's explicit choice, warned about by the caller
	var problems []TLSProblem
	if strings.TrimSpace(s.CACertificate) != "" {
		pool, caProblems := parseCABundle(s.CACertificate, now)
		cfg.RootCAs, problems = pool, caProblems
	}
	certSet, keySet := strings.TrimSpace(s.ClientCertificate) != "", strings.TrimSpace(s.ClientKey) != ""
	switch {
	case certSet && keySet:
		pair, pairProblems := parseClientPair(s.ClientCertificate, s.ClientKey, now)
		problems = append(problems, pairProblems...)
		// Always sent when asked for, as curl does: Go would otherwise send none when the
		// server's list of acceptable CAs does not name the certificate's issuer, and the server's
		// "certificate required" would hide that it is the certificate that does not fit.
		cfg.GetClientCertificate = func(*tls.CertificateRequestInfo) (*tls.Certificate, error) { return &pair, nil }
	case certSet:
		problems = append(problems, TLSProblem{Setting: SettingClientKey, Problem: "The client certificate is set, but not its private key."})
	case keySet:
		problems = append(problems, TLSProblem{Setting: SettingClientCertificate, Problem: "The client key is set, but not the client certificate it belongs to."})
	}
	for _, p := range problems {
		if !p.Warning {
			return nil, problems
		}
	}
	return cfg, problems
}

// parseCABundle reads a PEM bundle of CA certificates. Expired ones are a warning, unless no
// certificate of the bundle is valid at now: then nothing could be verified, which is an error.
func parseCABundle(text string, now time.Time) (*x509.CertPool, []TLSProblem) {
	certs, problem := parseCertificates(text, "a CA certificate")
	if problem != "" {
		return nil, []TLSProblem{{Setting: SettingCACertificate, Problem: problem}}
	}
	pool := x509.NewCertPool()
	var invalid []string
	for _, c := range certs {
		if why := validity(c, now); why != "" {
			invalid = append(invalid, why)
			continue
		}
		pool.AddCert(c)
	}
	switch {
	case len(invalid) == len(certs):
		return nil, []TLSProblem{{Setting: SettingCACertificate, Problem: strings.Join(invalid, " ") + " No certificate of the bundle can verify a server."}}
	case len(invalid) > 0:
		return pool, []TLSProblem{{Setting: SettingCACertificate, Warning: true,
			Problem: strings.Join(invalid, " ") + " It is ignored; the bundle's other certificates are used."}}
	default:
		return pool, nil
	}
}

// parseClientPair reads a client certificate (with its chain) and its private key, and checks
// that the key is the certificate's and that the certificate is valid at now.
func parseClientPair(certText, keyText string, now time.Time) (tls.Certificate, []TLSProblem) {
	var problems []TLSProblem
	certs, problem := parseCertificates(certText, "the client certificate")
	if problem != "" {
		problems = append(problems, TLSProblem{Setting: SettingClientCertificate, Problem: problem})
	} else if why := validity(certs[0], now); why != "" {
		problems = append(problems, TLSProblem{Setting: SettingClientCertificate, Problem: why + " Servers refuse it: issue a new one."})
	}
	if problem := checkPrivateKey(keyText); problem != "" {
		problems = append(problems, TLSProblem{Setting: SettingClientKey, Problem: problem})
	}
	if len(problems) > 0 {
		return tls.Certificate{}, problems
	}
	pair, err := tls.X509KeyPair([]byte(certText), []byte(keyText))
	if err != nil {
		// The certificate and the key each parse, so what is left is that they do not belong together.
		return tls.Certificate{}, []TLSProblem{{Setting: SettingClientKey,
			Problem: fmt.Sprintf("The key is not the private key of the client certificate (%s): use the key the certificate was issued for.", certificateName(certs[0]))}}
	}
	return pair, nil
}

// parseCertificates reads every PEM block of text as a certificate; what describes the
// certificates in the problem returned when text is not PEM certificates.
func parseCertificates(text, what string) ([]*x509.Certificate, string) {
	if !strings.Contains(text, "-----BEGIN") {
		return nil, fmt.Sprintf("The value is not PEM text: it has no \"-----BEGIN CERTIFICATE-----\" line. It must hold %s itself, not a file name.", what)
	}
	var certs []*x509.Certificate
	rest := []byte(text)
	for n := 1; ; n++ {
		var block *pem.Block
		block, rest = pem.Decode(rest)
		if block == nil {
			break
		}
		switch {
		case strings.Contains(block.Type, "PRIVATE KEY"):
			return nil, fmt.Sprintf("PEM block %d is a private key, which does not belong here (and should be kept secret): only certificates do.", n)
		case block.Type != "CERTIFICATE":
			return nil, fmt.Sprintf("PEM block %d is a %q block; only CERTIFICATE blocks belong here.", n, block.Type)
		}
		c, err := x509.ParseCertificate(block.Bytes)
		if err != nil {
			return nil, fmt.Sprintf("PEM block %d is not a valid certificate: %v.", n, err)
		}
		certs = append(certs, c)
	}
	if len(certs) == 0 {
		return nil, "The value holds no complete PEM block: check that the \"-----END CERTIFICATE-----\" lines are there and nothing was cut."
	}
	return certs, ""
}

// checkPrivateKey reports what is wrong with text as an unencrypted PEM private key, without
// ever showing any of it.
func checkPrivateKey(text string) string {
	block, _ := pem.Decode([]byte(text))
	switch {
	case block == nil:
		return "The value is not a PEM private key: it has no complete \"-----BEGIN PRIVATE KEY-----\" block. It must hold the key itself, not a file name."
	case block.Type == "ENCRYPTED PRIVATE KEY" || strings.Contains(block.Headers["Proc-Type"], "ENCRYPTED"):
		return "The private key is encrypted with a passphrase, which the provider cannot use: decrypt it first (openssl pkey -in key.pem -out plain.pem)."
	case block.Type == "CERTIFICATE":
		return "The value is a certificate, not a private key."
	case !strings.HasSuffix(block.Type, "PRIVATE KEY"):
		return fmt.Sprintf("The PEM block is a %q block, not a private key.", block.Type)
	}
	if _, err := x509.ParsePKCS8PrivateKey(block.Bytes); err == nil {
		return ""
	}
	if _, err := x509.ParsePKCS1PrivateKey(block.Bytes); err == nil {
		return ""
	}
	if _, err := x509.ParseECPrivateKey(block.Bytes); err == nil {
		return ""
	}
	return fmt.Sprintf("The %q block does not parse as a PKCS #8, PKCS #1 (RSA) or SEC 1 (EC) private key.", block.Type)
}

// validity says why c is not valid at now, or "" when it is.
func validity(c *x509.Certificate, now time.Time) string {
	switch {
	case now.After(c.NotAfter):
		return fmt.Sprintf("The certificate %s expired on %s.", certificateName(c), c.NotAfter.UTC().Format(time.RFC3339))
	case now.Before(c.NotBefore):
		return fmt.Sprintf("The certificate %s is not valid until %s.", certificateName(c), c.NotBefore.UTC().Format(time.RFC3339))
	default:
		return ""
	}
}

// certificateName names c by its subject's common name, or its whole subject when it has none.
func certificateName(c *x509.Certificate) string {
	if c.Subject.CommonName != "" {
		return fmt.Sprintf("%q", c.Subject.CommonName)
	}
	return fmt.Sprintf("%q", c.Subject.String())
}
