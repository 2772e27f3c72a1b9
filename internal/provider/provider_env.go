package provider

// Environment variables read when the matching provider attribute is not set.
const (
	envAdminURL  = "KRATOS_ADMIN_URL"
	envPublicURL = "KRATOS_PUBLIC_URL"
	envAPIKey    = "KRATOS_API_KEY"
)
