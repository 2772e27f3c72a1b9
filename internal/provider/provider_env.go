package provider

// Environment variables read when the matching provider attribute is not set.
const (
	envAdminURL           = "KRATOS_ADMIN_URL"
	envPublicURL          = "KRATOS_PUBLIC_URL"
	envAPIKey             = "KRATOS_API_KEY"
	envCACertificate      = "KRATOS_CA_CERTIFICATE"
	envClientCertificate  = "KRATOS_CLIENT_CERTIFICATE"
	envClientKey          = "KRATOS_CLIENT_KEY"
	envInsecureSkipVerify = "KRATOS_INSECURE_SKIP_VERIFY"
)
