package kratosclient

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"strings"
)

// TLSFailure says why a TLS connection to Kratos, or to a proxy in front of it, failed. Each is
// a matter of configuration that a retry cannot change, so the client never retries it; and the
// server never read the request.
type TLSFailure int

// The TLS failures the client tells apart.
const (
	// NotTLSFailure is any error that is not a TLS failure.
	NotTLSFailure TLSFailure = iota
	// TLSUnknownAuthority is a server certificate signed by a CA the client does not trust.
	TLSUnknownAuthority
	// TLSHostnameMismatch is a server certificate that is not valid for the URL's host.
	TLSHostnameMismatch
	// TLSCertificateExpired is a server certificate that has expired or is not valid yet.
	TLSCertificateExpired
	// TLSCertificateRejected is a server certificate refused for another reason (such as one
	// that is not meant for servers).
	TLSCertificateRejected
	// TLSClientCertificateRequired is a server that asked for a client certificate and got none.
	TLSClientCertificateRequired
	// TLSClientCertificateRefused is a server that refused the client certificate; a TLS 1.2
	// server also answers so when it got none.
	TLSClientCertificateRefused
	// TLSPlainHTTP is a server that answered in plain HTTP on an https:// URL.
	TLSPlainHTTP
	// TLSHandshakeFailed is another handshake failure, such as no TLS version or cipher suite
	// in common, or a TLS 1.2 server that requires a client certificate and got none.
	TLSHandshakeFailed
)

// Alerts a TLS server sends about the client's certificate, and about a handshake it cannot
// complete. RFC 8446 §6.2 numbers them; crypto/tls names them in tls.AlertError's text.
var (
	clientCertificateRequiredAlerts = []tls.AlertError{116}                        // certificate_required
	clientCertificateRefusedAlerts  = []tls.AlertError{42, 43, 44, 45, 46, 48, 49} // bad, unsupported, revoked, expired, unknown certificate; unknown CA; access denied
	handshakeFailureAlerts          = []tls.AlertError{40, 70, 71, 112, 120}       // handshake failure, protocol version, insufficient security, unrecognized name, no application protocol
)

// TLSFailureOf says which TLS failure err is, or NotTLSFailure.
func TLSFailureOf(err error) TLSFailure {
	if err == nil {
		return NotTLSFailure
	}
	var unknownAuth x509.UnknownAuthorityError
	var hostErr x509.HostnameError
	var invalidErr x509.CertificateInvalidError
	var certErr *tls.CertificateVerificationError
	var recordErr tls.RecordHeaderError
	var localAlert tls.AlertError
	switch {
	case errors.As(err, &unknownAuth):
		return TLSUnknownAuthority
	case errors.As(err, &hostErr):
		return TLSHostnameMismatch
	case errors.As(err, &invalidErr) && invalidErr.Reason == x509.Expired:
		return TLSCertificateExpired
	case errors.As(err, &invalidErr), errors.As(err, &certErr):
		return TLSCertificateRejected
	case errors.As(err, &recordErr), isPlainHTTPAnswer(err):
		return TLSPlainHTTP
	}
	if alert := remoteAlert(err); alert != nil {
		switch {
		case alertIn(alert, clientCertificateRequiredAlerts):
			return TLSClientCertificateRequired
		case alertIn(alert, clientCertificateRefusedAlerts):
			return TLSClientCertificateRefused
		case alertIn(alert, handshakeFailureAlerts):
			return TLSHandshakeFailed
		}
		// Other alerts (such as bad_record_mac or internal_error) may be passing.
		return NotTLSFailure
	}
	if errors.As(err, &localAlert) {
		// crypto/tls wraps the alert it sent when it gave up on a handshake itself.
		return TLSHandshakeFailed
	}
	return NotTLSFailure
}

// remoteAlert returns the alert the server sent, from the *net.OpError "remote error" that
// crypto/tls returns for it (its alert type is unexported; its text is tls.AlertError's), or nil.
func remoteAlert(err error) error {
	var opErr *net.OpError
	if errors.As(err, &opErr) && opErr.Op == "remote error" {
		return opErr.Err
	}
	return nil
}

// alertIn reports whether alert is one of codes.
func alertIn(alert error, codes []tls.AlertError) bool {
	for _, code := range codes {
		if alert.Error() == code.Error() {
			return true
		}
	}
	return false
}

// isPlainHTTPAnswer reports net/http's untyped error for an https:// URL answered in plain HTTP.
func isPlainHTTPAnswer(err error) bool {
	return strings.Contains(err.Error(), "server gave HTTP response to HTTPS client")
}

// describeTLS says in words what the TLS failure kind of err means.
func describeTLS(kind TLSFailure, err error) string {
	cause := err.Error()
	if alert := remoteAlert(err); alert != nil {
		cause = "remote error: " + alert.Error()
	}
	switch kind {
	case TLSUnknownAuthority:
		return fmt.Sprintf("the server's TLS certificate is signed by a certificate authority the client does not trust (%s)", cause)
	case TLSHostnameMismatch:
		return fmt.Sprintf("the server's TLS certificate is not valid for the URL's host (%s)", cause)
	case TLSCertificateExpired:
		return fmt.Sprintf("the server's TLS certificate has expired or is not valid yet (%s)", cause)
	case TLSCertificateRejected:
		return fmt.Sprintf("the server's TLS certificate was not accepted (%s)", cause)
	case TLSClientCertificateRequired:
		return fmt.Sprintf("the server requires a TLS client certificate, and none was sent (%s)", cause)
	case TLSClientCertificateRefused:
		return fmt.Sprintf("the server refused the TLS client certificate, or requires one that was not sent (%s)", cause)
	case TLSPlainHTTP:
		return "the server did not answer with TLS; use http:// instead of https://, or check the port"
	default:
		return fmt.Sprintf("the TLS handshake failed (%s); a TLS 1.2 server also answers so when it requires a client certificate that was not sent", cause)
	}
}
