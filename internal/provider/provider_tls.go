package provider

import (
	"crypto/tls"
	"fmt"
	"os"
	"strconv"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/kratos-tf/terraform-provider-kratos/internal/kratosclient"
)

// tlsAttribute describes a provider attribute that holds a TLS setting.
type tlsAttribute struct {
	name    string
	env     string
	summary string
	// fix says what the attribute must hold.
	fix string
}

// tlsAttributes are the PEM attributes, by the setting of kratosclient.TLSSettings they fill.
var tlsAttributes = map[kratosclient.TLSSetting]tlsAttribute{
	kratosclient.SettingCACertificate: {"ca_certificate", envCACertificate, "Invalid CA certificate",
		`Set ca_certificate (or ` + envCACertificate + `) to the PEM text of the CA that signed the server's certificate, for example file("ca.pem").`},
	kratosclient.SettingClientCertificate: {"client_certificate", envClientCertificate, "Invalid client certificate",
		`Set client_certificate (or ` + envClientCertificate + `) to the PEM text of the client certificate, for example file("client.pem").`},
	kratosclient.SettingClientKey: {"client_key", envClientKey, "Invalid client key",
		`Set client_key (or ` + envClientKey + `) to the PEM text of the client certificate's private key, for example file("client-key.pem").`},
}

// tlsConfig resolves the TLS settings from the configuration and the environment and checks
// them: a problem is a diagnostic on its attribute, a warning says that certificate
// verification is off. It returns nil for Go's defaults, or when it added an error.
func (cfg kratosProviderModel) tlsConfig(diags *diag.Diagnostics) *tls.Config {
	settings := kratosclient.TLSSettings{
		CACertificate:     stringOrEnv(cfg.CACertificate, envCACertificate),
		ClientCertificate: stringOrEnv(cfg.ClientCertificate, envClientCertificate),
		ClientKey:         stringOrEnv(cfg.ClientKey, envClientKey),
	}
	fromEnv := map[kratosclient.TLSSetting]bool{
		kratosclient.SettingCACertificate:     cfg.CACertificate.IsNull() && settings.CACertificate != "",
		kratosclient.SettingClientCertificate: cfg.ClientCertificate.IsNull() && settings.ClientCertificate != "",
		kratosclient.SettingClientKey:         cfg.ClientKey.IsNull() && settings.ClientKey != "",
	}
	skip, ok := boolOrEnv(cfg.InsecureSkipVerify, envInsecureSkipVerify)
	if !ok {
		diags.AddAttributeError(path.Root("insecure_skip_verify"), "Invalid insecure_skip_verify",
			fmt.Sprintf("%s is %q, which is not true or false; unset it or set it to true or false.", envInsecureSkipVerify, os.Getenv(envInsecureSkipVerify)))
		return nil
	}
	settings.InsecureSkipVerify = skip
	tlsCfg, problems := settings.Config(time.Now())
	for _, p := range problems {
		attr := tlsAttributes[p.Setting]
		detail := p.Problem + " " + attr.fix
		if fromEnv[p.Setting] {
			detail = fmt.Sprintf("%s (read because %s is not set): %s", attr.env, attr.name, detail)
		}
		switch {
		case p.Warning:
			diags.AddAttributeWarning(path.Root(attr.name), "Expired CA certificate ignored", detail)
		case p.Setting == kratosclient.SettingClientKey:
			// Named in the text, not by path: the CLI prints the configuration line of an
			// attribute error, which for a key written into the configuration is the key itself.
			diags.AddError(attr.summary, detail)
		default:
			diags.AddAttributeError(path.Root(attr.name), attr.summary, detail)
		}
	}
	if skip {
		detail := "insecure_skip_verify (or " + envInsecureSkipVerify + ") is on: the provider accepts any certificate, for any host name, " +
			"on https:// admin and public URLs, so anyone on the network path can read and change what it sends, passwords included. " +
			"Set ca_certificate to trust a private CA instead."
		if settings.CACertificate != "" {
			detail += " ca_certificate has no effect while verification is off."
		}
		diags.AddAttributeWarning(path.Root("insecure_skip_verify"), "TLS certificate verification is off", detail)
	}
	return tlsCfg
}

// boolOrEnv returns the configured value, or the environment variable when it is null (unset
// or empty means false); ok is false when the variable is not a boolean.
func boolOrEnv(v types.Bool, env string) (value, ok bool) {
	if !v.IsNull() {
		return v.ValueBool(), true
	}
	s := os.Getenv(env)
	if s == "" {
		return false, true
	}
	b, err := strconv.ParseBool(s)
	return b, err == nil
}
