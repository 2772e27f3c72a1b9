// Package provider implements the Kratos Terraform provider on terraform-plugin-framework.
package provider

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/hashicorp/terraform-plugin-framework-validators/int64validator"
	"github.com/hashicorp/terraform-plugin-framework/action"
	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/ephemeral"
	"github.com/hashicorp/terraform-plugin-framework/list"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/provider"
	"github.com/hashicorp/terraform-plugin-framework/provider/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/kratos-tf/terraform-provider-kratos/internal/identityschema"
	"github.com/kratos-tf/terraform-provider-kratos/internal/kratosclient"
)

var (
	_ provider.Provider                       = (*kratosProvider)(nil)
	_ provider.ProviderWithEphemeralResources = (*kratosProvider)(nil)
	_ provider.ProviderWithActions            = (*kratosProvider)(nil)
	_ provider.ProviderWithListResources      = (*kratosProvider)(nil)
)

// kratosProvider is the provider implementation.
type kratosProvider struct {
	version string
}

// New returns a constructor of the provider at the given version.
func New(version string) func() provider.Provider {
	return func() provider.Provider { return &kratosProvider{version: version} }
}

// Metadata names the provider.
func (p *kratosProvider) Metadata(_ context.Context, _ provider.MetadataRequest, resp *provider.MetadataResponse) {
	resp.TypeName = "kratos"
	resp.Version = p.version
}

// Schema describes the provider configuration.
func (p *kratosProvider) Schema(_ context.Context, _ provider.SchemaRequest, resp *provider.SchemaResponse) {
	shortest, longest := kratosclient.RetryBudget(kratosclient.DefaultMaxRetries)
	resp.Schema = schema.Schema{
		MarkdownDescription: "Manages the identities of a self-hosted [Ory Kratos](https://www.ory.sh/kratos/) through its admin API.",
		Attributes: map[string]schema.Attribute{
			"admin_url": schema.StringAttribute{
				Optional: true,
				MarkdownDescription: "Base URL of the Kratos admin API, for example `http://127.0.0.1:4434`. " +
					"A trailing `/admin` is accepted. User information in the URL (`https://user:pass@host`) is sent as HTTP basic authentication " +
					"to that origin, for a proxy that requires it. Defaults to the `" + envAdminURL + "` environment variable; one of the two is required.",
				Validators: []validator.String{baseURLValidator{}},
			},
			"public_url": schema.StringAttribute{
				Optional: true,
				MarkdownDescription: "Base URL of the Kratos public API, where identity schemas are served, for example `http://127.0.0.1:4433`. " +
					"Defaults to the `" + envPublicURL + "` environment variable. When neither is set, schema requests go to the admin URL " +
					"and follow Kratos's redirect to its configured `serve.public.base_url`.",
				Validators: []validator.String{baseURLValidator{}},
			},
			"api_key": schema.StringAttribute{
				Optional:  true,
				Sensitive: true,
				MarkdownDescription: "Token sent as `Authorization: Bearer` on every request to the admin URL's origin (never to another origin, such as a `public_url` " +
					"on another host), for a proxy in front of Kratos or Ory Network's admin API. " +
					"Self-hosted Kratos needs none. Defaults to the `" + envAPIKey + "` environment variable.",
			},
			"headers": schema.MapAttribute{
				Optional: true,
				// Headers often carry credentials for a proxy, such as Authorization or X-API-Key.
				Sensitive:   true,
				ElementType: types.StringType,
				MarkdownDescription: "Extra HTTP headers sent on every request to the admin URL's origin (never to another origin), for example to pass an authenticating proxy. " +
					"A redirect to another origin is refused rather than followed, so that they and request bodies stay with the configured origin.",
				Validators: []validator.Map{headersValidator{}},
			},
			"request_timeout": schema.StringAttribute{
				Optional: true,
				MarkdownDescription: fmt.Sprintf("How long one HTTP attempt may take, as a Go duration such as `30s` or `1m`; each retry gets as long again. Defaults to `%s`.",
					kratosclient.DefaultTimeout),
				Validators: []validator.String{durationValidator{}},
			},
			"max_retries": schema.Int64Attribute{
				Optional: true,
				MarkdownDescription: fmt.Sprintf("How many times a request is retried after HTTP 429, 502, 503, 504 or a network error, "+
					"with capped exponential backoff (waits doubling from 250 ms up to 8 s, jittered) that honours `Retry-After`. "+
					"Requests whose effect is unknown are never repeated blindly. Defaults to `%d`, which keeps retrying for %s to %s: "+
					"enough to ride out a Kratos restart. Each retry adds up to 8 s; `0` disables retries.",
					kratosclient.DefaultMaxRetries, shortest, longest),
				Validators: []validator.Int64{int64validator.Between(0, 20)},
			},
			"ca_certificate": schema.StringAttribute{
				Optional: true,
				MarkdownDescription: "PEM text of the certificate authorities to trust on `https://` admin and public URLs instead of the system's, for example " +
					"`file(\"ca.pem\")`: for a Kratos that serves TLS itself (`serve.admin.tls`) or a proxy whose certificate a private CA signed. " +
					"A certificate that does not parse, or a bundle whose certificates have all expired, is an error at plan time. " +
					"Defaults to the `" + envCACertificate + "` environment variable; when neither is set, the system's CAs are trusted.",
			},
			"client_certificate": schema.StringAttribute{
				Optional: true,
				MarkdownDescription: "PEM text of the client certificate (followed by any intermediate certificates) presented to a server that requires " +
					"mutual TLS, such as a proxy or service mesh in front of Kratos, on the admin and public URLs alike. Needs `client_key`; an expired " +
					"certificate is an error at plan time. Defaults to the `" + envClientCertificate + "` environment variable; when neither is set, no client certificate is presented.",
			},
			"client_key": schema.StringAttribute{
				Optional:  true,
				Sensitive: true,
				MarkdownDescription: "PEM text of the unencrypted private key (PKCS #8, PKCS #1 or SEC 1) of `client_certificate`; a key that is not the " +
					"certificate's is an error at plan time. Defaults to the `" + envClientKey + "` environment variable.",
			},
			"insecure_skip_verify": schema.BoolAttribute{
				Optional: true,
				MarkdownDescription: "Accept any server certificate, for any host name, on `https://` URLs. Anyone on the network path can then read and change " +
					"what the provider sends, passwords included: for a throwaway test setup only, and every plan warns while it is on. Prefer `ca_certificate`. " +
					"Defaults to the `" + envInsecureSkipVerify + "` environment variable (`true` or `false`), else `false`.",
			},
		},
	}
}

// Configure builds the admin client shared by every resource, data source and ephemeral resource.
func (p *kratosProvider) Configure(ctx context.Context, req provider.ConfigureRequest, resp *provider.ConfigureResponse) {
	var cfg kratosProviderModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &cfg)...)
	if resp.Diagnostics.HasError() {
		return
	}
	for _, v := range []struct {
		value attrValue
		name  string
	}{{cfg.AdminURL, "admin_url"}, {cfg.PublicURL, "public_url"}, {cfg.APIKey, "api_key"}, {cfg.Headers, "headers"},
		{cfg.RequestTimeout, "request_timeout"}, {cfg.MaxRetries, "max_retries"}, {cfg.CACertificate, "ca_certificate"},
		{cfg.ClientCertificate, "client_certificate"}, {cfg.ClientKey, "client_key"}, {cfg.InsecureSkipVerify, "insecure_skip_verify"}} {
		if v.value.IsUnknown() {
			// Known only after apply: objects that need the client say so when they are used.
			data := &providerData{unknownAttribute: v.name}
			resp.ResourceData, resp.DataSourceData, resp.EphemeralResourceData, resp.ActionData = data, data, data, data
			resp.ListResourceData = data
			return
		}
	}

	adminURL := stringOrEnv(cfg.AdminURL, envAdminURL)
	if adminURL == "" {
		resp.Diagnostics.AddAttributeError(path.Root("admin_url"), "Missing Kratos admin URL",
			"Set admin_url in the provider block or the "+envAdminURL+" environment variable to the base URL of the Kratos admin API, for example http://127.0.0.1:4434.")
		return
	}
	opts := []kratosclient.Option{kratosclient.WithLogger(tflogLogger{}), kratosclient.WithUserAgent(fmt.Sprintf("terraform-provider-kratos/%s (+https://registry.terraform.io/providers/kratos-tf/kratos)", p.version))}
	if publicURL := stringOrEnv(cfg.PublicURL, envPublicURL); publicURL != "" {
		u, err := kratosclient.ParseBaseURL(publicURL)
		if err != nil {
			resp.Diagnostics.AddAttributeError(path.Root("public_url"), "Invalid Kratos public URL", err.Error())
			return
		}
		opts = append(opts, kratosclient.WithPublicURL(u))
	}
	if key := stringOrEnv(cfg.APIKey, envAPIKey); key != "" {
		opts = append(opts, kratosclient.WithAPIKey(key))
	}
	if !cfg.Headers.IsNull() {
		headers := map[string]string{}
		resp.Diagnostics.Append(cfg.Headers.ElementsAs(ctx, &headers, false)...)
		opts = append(opts, kratosclient.WithHeaders(headers))
	}
	if !cfg.RequestTimeout.IsNull() {
		d, err := time.ParseDuration(cfg.RequestTimeout.ValueString())
		if err != nil || d <= 0 {
			resp.Diagnostics.AddAttributeError(path.Root("request_timeout"), "Invalid request timeout",
				fmt.Sprintf("%q is not a positive Go duration such as 30s or 2m.", cfg.RequestTimeout.ValueString()))
			return
		}
		opts = append(opts, kratosclient.WithTimeout(d))
	}
	if !cfg.MaxRetries.IsNull() {
		opts = append(opts, kratosclient.WithMaxRetries(int(cfg.MaxRetries.ValueInt64())))
	}
	tlsCfg := cfg.tlsConfig(&resp.Diagnostics)
	if resp.Diagnostics.HasError() {
		return
	}
	opts = append(opts, kratosclient.WithTLSConfig(tlsCfg))
	client, err := kratosclient.New(adminURL, opts...)
	if errors.Is(err, kratosclient.ErrInvalidHeader) {
		resp.Diagnostics.AddAttributeError(path.Root("headers"), "Invalid HTTP header", err.Error()+". Fix headers or api_key.")
		return
	}
	if err != nil {
		resp.Diagnostics.AddAttributeError(path.Root("admin_url"), "Invalid Kratos admin URL", err.Error())
		return
	}
	data := &providerData{client: client, schemas: identityschema.NewCache(client.GetIdentitySchema)}
	resp.ResourceData, resp.DataSourceData, resp.EphemeralResourceData, resp.ActionData = data, data, data, data
	resp.ListResourceData = data
}

// attrValue is what the unknown-value check needs of an attribute value.
type attrValue interface{ IsUnknown() bool }

// Resources lists the provider's managed resources.
func (p *kratosProvider) Resources(context.Context) []func() resource.Resource {
	return []func() resource.Resource{
		NewIdentityResource,
		NewIdentityImportResource,
		NewSessionRevocationResource,
		NewSessionExtensionResource,
		NewCredentialsDeletionResource,
	}
}

// DataSources lists the provider's data sources.
func (p *kratosProvider) DataSources(context.Context) []func() datasource.DataSource {
	return []func() datasource.DataSource{
		NewIdentityDataSource,
		NewIdentitiesDataSource,
		NewIdentitySchemaDataSource,
		NewIdentitySchemasDataSource,
		NewSessionDataSource,
		NewSessionsDataSource,
		NewIdentitySessionsDataSource,
	}
}

// EphemeralResources lists the provider's ephemeral resources.
func (p *kratosProvider) EphemeralResources(context.Context) []func() ephemeral.EphemeralResource {
	return []func() ephemeral.EphemeralResource{
		NewRecoveryCodeEphemeralResource,
		NewRecoveryLinkEphemeralResource,
	}
}

// Actions lists the provider's actions (Terraform 1.14 and later).
func (p *kratosProvider) Actions(context.Context) []func() action.Action {
	return []func() action.Action{
		NewRevokeSessionsAction,
		NewExtendSessionAction,
		NewDeleteCredentialsAction,
	}
}

// ListResources lists the provider's list resources, for terraform query (Terraform 1.14 and later).
func (p *kratosProvider) ListResources(context.Context) []func() list.ListResource {
	return []func() list.ListResource{
		NewIdentityListResource,
	}
}
