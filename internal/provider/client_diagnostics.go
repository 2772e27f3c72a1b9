package provider

import (
	"errors"
	"fmt"
	"net/http"

	"github.com/hashicorp/terraform-plugin-framework/diag"

	"github.com/kratos-tf/terraform-provider-kratos/internal/kratosclient"
)

// addClientError adds a diagnostic for a failed Kratos call: what failed, what Kratos answered
// and what the user can do. It never includes request bodies, so secrets cannot leak into it.
func addClientError(diags *diag.Diagnostics, summary string, err error) {
	diags.AddError(summary, describeClientError(err))
}

// describeClientError explains a client error in words, with a hint for common causes.
func describeClientError(err error) string {
	var apiErr *kratosclient.APIError
	var tErr *kratosclient.TransportError
	var redirectErr *kratosclient.RedirectError
	var answerErr *kratosclient.AnswerError
	var portErr *kratosclient.PublicPortError
	switch {
	case errors.As(err, &portErr):
		return fmt.Sprintf("%s.\n\nThis looks like the public port: admin_url (or %s) must name Kratos's admin port, serve.admin, 4434 by default "+
			"(for example http://127.0.0.1:4434). The public port (serve.public, 4433 by default) belongs in public_url.", err.Error(), envAdminURL)
	case errors.As(err, &answerErr):
		detail := fmt.Sprintf("Kratos, or a proxy in front of it, answered %s. Nothing was recorded on the strength of that answer.\n\n"+
			"Check that admin_url (or %s) points straight at Kratos's admin port, and that no proxy or cache in between rewrites or misroutes answers.",
			err.Error(), envAdminURL)
		if answerErr.MayHaveBeenApplied {
			detail += mayHaveBeenAppliedHint
		}
		return detail
	case errors.As(err, &apiErr):
		hint := ""
		switch apiErr.StatusCode {
		case http.StatusUnauthorized, http.StatusForbidden:
			if !apiErr.FromKratos() {
				return fmt.Sprintf("A proxy in front of Kratos, not Kratos, answered %s (Kratos's own errors are JSON with an error.code; this answer is not).\n\n"+
					"Self-hosted Kratos does not authenticate admin requests: the proxy wants credentials. Set api_key (or %s) to send them as "+
					"Authorization: Bearer, or headers for any other header the proxy expects.", err.Error(), envAPIKey)
			}
			hint = "\n\nSelf-hosted Kratos does not authenticate admin requests, so a proxy in front of it refused this one: check the provider's api_key and headers."
		case http.StatusNotFound:
			if apiErr.Message == "" && apiErr.Reason == "" {
				hint = "\n\nThe answer did not come from Kratos's admin API: check that admin_url points at the admin port (4434 by default), not the public one."
			}
		case http.StatusTooManyRequests, http.StatusBadGateway, http.StatusServiceUnavailable, http.StatusGatewayTimeout:
			hint = "\n\nKratos or a proxy in front of it is overloaded or restarting" + alreadyRetried(apiErr.Attempts) + ". Try again in a while or raise max_retries."
		}
		if apiErr.MayHaveBeenApplied {
			hint = mayHaveBeenAppliedHint
		}
		return fmt.Sprintf("Kratos answered %s.%s", err.Error(), hint)
	case errors.As(err, &tErr) && kratosclient.TLSFailureOf(err) != kratosclient.NotTLSFailure:
		return fmt.Sprintf("The request %s.\n\n%s", err.Error(), tlsFailureHints[kratosclient.TLSFailureOf(err)])
	case errors.As(err, &tErr):
		detail := fmt.Sprintf("The request %s%s.\n\nCheck that Kratos is running and that the provider's admin_url (or %s) is right.",
			err.Error(), alreadyRetried(tErr.Attempts), envAdminURL)
		if tErr.MayHaveBeenApplied {
			detail += mayHaveBeenAppliedHint
		}
		return detail
	case errors.As(err, &redirectErr):
		setting := "admin_url (or " + envAdminURL + ")"
		if redirectErr.FromPublicURL {
			setting = "public_url (or " + envPublicURL + ")"
		}
		if redirectErr.Kind != kratosclient.RedirectCrossOrigin {
			return fmt.Sprintf("%s.\n\nKratos itself does not redirect admin requests: a proxy in front of it does. Point the provider's %s "+
				"at the address that answers without redirecting (check the scheme, the port and any path prefix).", err.Error(), setting)
		}
		return fmt.Sprintf("%s.\n\nSet the provider's %s to the address Kratos answers on.", err.Error(), setting)
	default:
		return err.Error()
	}
}

// tlsFailureHints say which setting fixes each TLS failure. A TLS failure is never retried.
var tlsFailureHints = map[kratosclient.TLSFailure]string{
	kratosclient.TLSUnknownAuthority: "Set ca_certificate (or " + envCACertificate + ") to the PEM text of the CA that signed the server's certificate " +
		"(for Kratos's own serve.admin.tls, the CA that issued serve.admin.tls.cert).",
	kratosclient.TLSHostnameMismatch: "Use a host name the certificate was issued for in admin_url or public_url, " +
		"or issue the server a certificate whose subject alternative names include this host.",
	kratosclient.TLSCertificateExpired: "Renew the server's certificate: no provider setting fixes an expired certificate " +
		"(insecure_skip_verify would only hide it, with every other check).",
	kratosclient.TLSCertificateRejected: "The server's certificate must be a server certificate for this host, signed by a CA in ca_certificate " +
		"(or " + envCACertificate + ") or the system's.",
	kratosclient.TLSClientCertificateRequired: "The server requires mutual TLS: set client_certificate and client_key (or " + envClientCertificate +
		" and " + envClientKey + ") to a certificate it trusts and its private key.",
	kratosclient.TLSClientCertificateRefused: "Set client_certificate and client_key (or " + envClientCertificate + " and " + envClientKey +
		") to a certificate the server trusts (signed by a CA it accepts for clients, and not expired) and its private key.",
	kratosclient.TLSPlainHTTP: "Use http:// in admin_url or public_url, or the port that serves TLS.",
	kratosclient.TLSHandshakeFailed: "If the server requires mutual TLS, set client_certificate and client_key (or " + envClientCertificate +
		" and " + envClientKey + "); otherwise the server and the provider share no TLS version or cipher suite (the provider speaks TLS 1.2 and 1.3).",
}

// mayHaveBeenAppliedHint explains a write that was not repeated because its outcome is unknown.
const mayHaveBeenAppliedHint = "\n\nThe change may already have been applied in Kratos: the answer was lost, and the provider did not send the request again " +
	"because repeating it could apply it twice. The next terraform plan or apply refreshes what Kratos holds and shows what is there."

// alreadyRetried says that the provider retried, when it made more than one attempt.
func alreadyRetried(attempts int) string {
	if attempts <= 1 {
		return ""
	}
	return fmt.Sprintf("; the provider already retried (%d attempts)", attempts)
}
