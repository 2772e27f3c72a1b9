package provider

import (
	"os"

	"github.com/hashicorp/terraform-plugin-framework/types"
)

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

// kratosProviderModel maps the provider configuration.
type kratosProviderModel struct {
	AdminURL       types.String `tfsdk:"admin_url"`
	PublicURL      types.String `tfsdk:"public_url"`
	APIKey         types.String `tfsdk:"api_key"`
	Headers        types.Map    `tfsdk:"headers"`
	RequestTimeout types.String `tfsdk:"request_timeout"`
	MaxRetries     types.Int64  `tfsdk:"max_retries"`

	CACertificate      types.String `tfsdk:"ca_certificate"`
	ClientCertificate  types.String `tfsdk:"client_certificate"`
	ClientKey          types.String `tfsdk:"client_key"`
	InsecureSkipVerify types.Bool   `tfsdk:"insecure_skip_verify"`
}

// stringOrEnv returns the configured value, or the environment variable when it is null.
func stringOrEnv(v types.String, env string) string {
	if !v.IsNull() {
		return v.ValueString()
	}
	return os.Getenv(env)
}
