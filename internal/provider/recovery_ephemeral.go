package provider

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"strings"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/ephemeral"
	"github.com/hashicorp/terraform-plugin-framework/ephemeral/schema"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/kratos-tf/terraform-provider-kratos/internal/kratosclient"
)

var (
	_ ephemeral.EphemeralResourceWithConfigure = (*recoveryEphemeralResource[recoveryCodeModel])(nil)
	_ ephemeral.EphemeralResourceWithConfigure = (*recoveryEphemeralResource[recoveryLinkModel])(nil)
)

// recoveryModel holds the attributes both recovery ephemeral resources share.
type recoveryModel struct {
	IdentityID types.String `tfsdk:"identity_id"`
	ExpiresIn  types.String `tfsdk:"expires_in"`
	ReturnTo   types.String `tfsdk:"return_to"`
	ExpiresAt  types.String `tfsdk:"expires_at"`
}

// recoveryEphemeralResource is a recovery ephemeral resource: it creates a one-time recovery
// code or link (method) for an identity, with M the model of its configuration and result.
type recoveryEphemeralResource[M any] struct {
	ephemeralBase
	method      string
	description string
	// attributes are the attributes of its own, beside those every recovery resource has.
	attributes func() map[string]schema.Attribute
	// create asks Kratos for the code or link with the configuration in m and fills in m's results.
	create func(context.Context, *kratosclient.Client, *M) error
}

// Schema describes the ephemeral resource: the shared attributes plus its own.
func (r *recoveryEphemeralResource[M]) Schema(_ context.Context, _ ephemeral.SchemaRequest, resp *ephemeral.SchemaResponse) {
	attrs := map[string]schema.Attribute{
		"identity_id": schema.StringAttribute{
			Required:            true,
			MarkdownDescription: "The ID (a UUID) of the identity to recover.",
			Validators:          []validator.String{uuidValidator()},
		},
		"expires_in": schema.StringAttribute{
			Optional: true,
			MarkdownDescription: fmt.Sprintf("How long the %s stays valid, as a positive Go duration such as `15m` or `1h`. "+
				"Defaults to Kratos's `selfservice.methods.%s.config.lifespan` (1h unless configured).", r.method, r.method),
			Validators: []validator.String{durationValidator{}},
		},
		"return_to": schema.StringAttribute{
			Optional: true,
			MarkdownDescription: "Where Kratos sends the user after recovery and the settings flow that follows. " +
				"It must be allowed by Kratos's `selfservice.allowed_return_urls`. Defaults to Kratos's default return URL.",
		},
		"expires_at": schema.StringAttribute{
			Computed:            true,
			MarkdownDescription: fmt.Sprintf("When the %s expires, in RFC 3339 format.", r.method),
		},
	}
	maps.Copy(attrs, r.attributes())
	resp.Schema = schema.Schema{MarkdownDescription: r.description, Attributes: attrs}
}

// Open creates the recovery code or link.
func (r *recoveryEphemeralResource[M]) Open(ctx context.Context, req ephemeral.OpenRequest, resp *ephemeral.OpenResponse) {
	var m M
	resp.Diagnostics.Append(req.Config.Get(ctx, &m)...)
	client := r.data.clientOrError(&resp.Diagnostics)
	if resp.Diagnostics.HasError() {
		return
	}
	if err := r.create(ctx, client, &m); err != nil {
		addRecoveryError(&resp.Diagnostics, r.method, err)
		return
	}
	resp.Diagnostics.Append(resp.Result.Set(ctx, &m)...)
}

// addRecoveryError explains a failed recovery request for method (code or link). Kratos reports
// an unknown identity as 404 for codes but 400 for links, and a disabled method as 404 for both.
func addRecoveryError(diags *diag.Diagnostics, method string, err error) {
	summary := fmt.Sprintf("Unable to Create Recovery %s", strings.ToUpper(method[:1])+method[1:])
	detail := ""
	var apiErr *kratosclient.APIError
	if errors.As(err, &apiErr) {
		detail = apiErr.Detail()
	}
	switch {
	case apiErr == nil:
		addClientError(diags, summary, err)
	case kratosclient.IsMethodDisabled(err):
		diags.AddError(fmt.Sprintf("Recovery by %s disabled in Kratos", method),
			fmt.Sprintf("Kratos answered 404 (its answer for a disabled method, as if the endpoint did not exist): %s\n\n"+
				"Enable the %s method in the Kratos configuration (selfservice.methods.%s.enabled: true) and restart Kratos, "+
				"or use kratos_recovery_%s instead.", detail, method, method, otherRecoveryMethod(method)))
	case method == "code" && kratosclient.IsNotFound(err):
		diags.AddAttributeError(path.Root("identity_id"), "Identity not found",
			fmt.Sprintf("Kratos has no identity with this ID (it answered 404: %s). Check identity_id.", detail))
	case method == "link" && kratosclient.IsUnknownRecoveryIdentity(err):
		diags.AddAttributeError(path.Root("identity_id"), "Identity not found",
			fmt.Sprintf("Kratos has no identity with this ID (it answered 400: %s; this endpoint reports an unknown "+
				"identity as a bad request rather than 404). Check identity_id.", detail))
	case kratosclient.IsReturnURLRejected(err):
		diags.AddAttributeError(path.Root("return_to"), "Return URL not allowed",
			fmt.Sprintf("Kratos answered 400: %s\n\nUse a URL allowed by selfservice.allowed_return_urls in the Kratos configuration, or add it there.", detail))
	case kratosclient.IsExpiryRejected(err):
		diags.AddAttributeError(path.Root("expires_in"), "Invalid expiry",
			fmt.Sprintf("Kratos answered 400: %s\n\nUse a positive Go duration such as 15m or 1h.", detail))
	default:
		addClientError(diags, summary, err)
	}
}

// otherRecoveryMethod names the other recovery method, as an alternative when one is disabled.
func otherRecoveryMethod(method string) string {
	if method == "code" {
		return "link"
	}
	return "code"
}
