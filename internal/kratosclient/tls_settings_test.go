package kratosclient_test

import (
	"crypto/tls"
	"strings"
	"testing"
	"time"

	"github.com/kratos-tf/terraform-provider-kratos/internal/kratosclient"
	"github.com/kratos-tf/terraform-provider-kratos/internal/kratostest"
)

// TestTLSSettingsConfig proves each kind of bad TLS setting is a problem on that setting, that an
// expired CA beside a valid one is only a warning, that good settings build a config, and that no
// problem ever shows key material.
func TestTLSSettingsConfig(t *testing.T) {
	pki := kratostest.NewPKI(t)
	now := time.Now()
	later := now.Add(72 * time.Hour) // both test CAs have expired by then
	cert, key := string(pki.Client.CertPEM), string(pki.Client.KeyPEM)
	encrypted := "-----BEGIN ENCRYPTED PRIVATE KEY-----\nMIIBvTBXBgkqhkiG9w0BBQ0wSjApBgkqhkiG9w0BBQwwHAQI\n-----END ENCRYPTED PRIVATE KEY-----\n"
	tests := []struct {
		name     string
		settings kratosclient.TLSSettings
		at       time.Time
		setting  kratosclient.TLSSetting
		want     string
	}{
		{"CA is a file name", kratosclient.TLSSettings{CACertificate: "/etc/ssl/private-ca.pem"}, now, kratosclient.SettingCACertificate, "is not PEM text"},
		{"CA bundle holds a key", kratosclient.TLSSettings{CACertificate: string(pki.CA.CertPEM) + key}, now, kratosclient.SettingCACertificate, "PEM block 2 is a private key"},
		{"CA is cut short", kratosclient.TLSSettings{CACertificate: string(pki.CA.CertPEM[:len(pki.CA.CertPEM)-30])}, now, kratosclient.SettingCACertificate, "holds no complete PEM block"},
		{"CA is not a certificate", kratosclient.TLSSettings{CACertificate: "-----BEGIN CERTIFICATE-----\nbm90IGEgY2VydA==\n-----END CERTIFICATE-----\n"}, now, kratosclient.SettingCACertificate, "PEM block 1 is not a valid certificate"},
		{"every CA expired", kratosclient.TLSSettings{CACertificate: string(pki.CA.CertPEM)}, later, kratosclient.SettingCACertificate, `"test CA" expired on`},
		{"certificate without key", kratosclient.TLSSettings{ClientCertificate: cert}, now, kratosclient.SettingClientKey, "not its private key"},
		{"key without certificate", kratosclient.TLSSettings{ClientKey: key}, now, kratosclient.SettingClientCertificate, "not the client certificate"},
		{"key of another certificate", kratosclient.TLSSettings{ClientCertificate: cert, ClientKey: string(pki.Stranger.KeyPEM)}, now, kratosclient.SettingClientKey, `not the private key of the client certificate ("terraform")`},
		{"expired client certificate", kratosclient.TLSSettings{ClientCertificate: string(pki.Expired.CertPEM), ClientKey: string(pki.Expired.KeyPEM)}, now, kratosclient.SettingClientCertificate, `"old terraform" expired on`},
		{"client certificate not valid yet", kratosclient.TLSSettings{ClientCertificate: cert, ClientKey: key}, now.Add(-2 * time.Hour), kratosclient.SettingClientCertificate, "is not valid until"},
		{"key in the certificate", kratosclient.TLSSettings{ClientCertificate: cert + key, ClientKey: key}, now, kratosclient.SettingClientCertificate, "is a private key, which does not belong here"},
		{"encrypted key", kratosclient.TLSSettings{ClientCertificate: cert, ClientKey: encrypted}, now, kratosclient.SettingClientKey, "encrypted with a passphrase"},
		{"certificate as key", kratosclient.TLSSettings{ClientCertificate: cert, ClientKey: cert}, now, kratosclient.SettingClientKey, "is a certificate, not a private key"},
		{"key is a file name", kratosclient.TLSSettings{ClientCertificate: cert, ClientKey: "client.key"}, now, kratosclient.SettingClientKey, "not a PEM private key"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg, problems := tt.settings.Config(tt.at)
			for _, p := range problems {
				if strings.Contains(p.Problem, strings.Split(key, "\n")[1]) || strings.Contains(p.Problem, strings.Split(encrypted, "\n")[1]) {
					t.Errorf("problem %q shows key material", p.Problem)
				}
			}
			if len(problems) != 1 || problems[0].Setting != tt.setting || problems[0].Warning || !strings.Contains(problems[0].Problem, tt.want) {
				t.Fatalf("problems = %+v, want one error on setting %d that says %q", problems, tt.setting, tt.want)
			}
			if cfg != nil {
				t.Errorf("config %v built despite an error", cfg)
			}
		})
	}

	t.Run("an expired certificate beside a valid CA is a warning", func(t *testing.T) {
		cfg, problems := kratosclient.TLSSettings{CACertificate: string(pki.CA.CertPEM) + string(pki.Expired.CertPEM)}.Config(now)
		if len(problems) != 1 || !problems[0].Warning || problems[0].Setting != kratosclient.SettingCACertificate ||
			!strings.Contains(problems[0].Problem, `"old terraform" expired on`) || !strings.Contains(problems[0].Problem, "It is ignored") {
			t.Fatalf("problems = %+v, want one warning on the CA certificate naming the expired one", problems)
		}
		if cfg == nil || cfg.RootCAs == nil {
			t.Errorf("config %v, want one with the valid CA", cfg)
		}
	})

	t.Run("good settings", func(t *testing.T) {
		cfg, problems := kratosclient.TLSSettings{CACertificate: string(pki.CA.CertPEM), ClientCertificate: cert, ClientKey: key}.Config(now)
		if len(problems) != 0 || cfg == nil {
			t.Fatalf("config %v, problems %+v; want a config and no problem", cfg, problems)
		}
		if cfg.RootCAs == nil || cfg.GetClientCertificate == nil || cfg.InsecureSkipVerify {
			t.Fatalf("config: RootCAs %v, client certificate %v, InsecureSkipVerify %v; want the CA, the client certificate, verification on",
				cfg.RootCAs != nil, cfg.GetClientCertificate != nil, cfg.InsecureSkipVerify)
		}
		// Sent even to a server whose list of acceptable CAs does not name its issuer.
		if got, err := cfg.GetClientCertificate(&tls.CertificateRequestInfo{AcceptableCAs: [][]byte{[]byte("another CA")}}); err != nil || len(got.Certificate) == 0 {
			t.Errorf("GetClientCertificate = %v, %v; want the client certificate", got, err)
		}
	})

	t.Run("zero settings", func(t *testing.T) {
		if cfg, problems := (kratosclient.TLSSettings{}).Config(now); cfg != nil || problems != nil {
			t.Errorf("zero settings: config %v, problems %+v; want neither (Go's defaults)", cfg, problems)
		}
	})
}
