package provider

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/ephemeral"
	"github.com/hashicorp/terraform-plugin-framework/ephemeral/schema"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/kratos-tf/terraform-provider-kratos/internal/kratosclient"
)

var _ ephemeral.EphemeralResourceWithConfigure = (*recoveryCodeEphemeralResource)(nil)

// recoveryFlowTypes are the flow types a recovery code can be made for; the first is Kratos's default.
var recoveryFlowTypes = []string{"browser", "api"}

// recoveryCodeEphemeralResource creates a one-time recovery code for an identity.
type recoveryCodeEphemeralResource struct {
	ephemeralBase
}

// recoveryCodeModel is the configuration and result of kratos_recovery_code.
type recoveryCodeModel struct {
	recoveryInput
	FlowType     types.String `tfsdk:"flow_type"`
	RecoveryCode types.String `tfsdk:"recovery_code"`
	RecoveryLink types.String `tfsdk:"recovery_link"`
	ExpiresAt    types.String `tfsdk:"expires_at"`
}

// recoveryInput is the configuration both recovery ephemeral resources share.
type recoveryInput struct {
	IdentityID types.String `tfsdk:"identity_id"`
	ExpiresIn  types.String `tfsdk:"expires_in"`
	ReturnTo   types.String `tfsdk:"return_to"`
}

// NewRecoveryCodeEphemeralResource returns the kratos_recovery_code ephemeral resource.
func NewRecoveryCodeEphemeralResource() ephemeral.EphemeralResource {
	return &recoveryCodeEphemeralResource{}
}

// Metadata names the ephemeral resource.
func (r *recoveryCodeEphemeralResource) Metadata(_ context.Context, req ephemeral.MetadataRequest, resp *ephemeral.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_recovery_code"
}

// Schema describes the ephemeral resource.
func (r *recoveryCodeEphemeralResource) Schema(_ context.Context, _ ephemeral.SchemaRequest, resp *ephemeral.SchemaResponse) {
	attrs := recoveryInputAttributes("code")
	attrs["flow_type"] = schema.StringAttribute{
		Optional: true,
		Computed: true,
		MarkdownDescription: fmt.Sprintf("The kind of recovery flow to create. Allowed values: %s. Defaults to `%s`.",
			backtickList(recoveryFlowTypes), recoveryFlowTypes[0]),
		Validators: []validator.String{stringvalidator.OneOf(recoveryFlowTypes...)},
	}
	attrs["recovery_code"] = schema.StringAttribute{
		Computed:            true,
		Sensitive:           true,
		MarkdownDescription: "The one-time recovery code (six digits) to enter in the recovery flow.",
	}
	attrs["recovery_link"] = schema.StringAttribute{
		Computed:            true,
		MarkdownDescription: "The link to the recovery flow (Kratos's recovery UI with the flow ID) where the code is entered.",
	}
	attrs["expires_at"] = schema.StringAttribute{
		Computed:            true,
		MarkdownDescription: "When the code expires, in RFC 3339 format.",
	}
	resp.Schema = schema.Schema{
		MarkdownDescription: "Creates a one-time recovery code for an identity through Kratos's admin API, for example to hand to a " +
			"support agent or an onboarding mail. Each time Terraform opens it a new code and flow are created. " +
			"Never stored in the plan or state; needs Terraform 1.10 or OpenTofu 1.11 or later, and the `code` method enabled " +
			"in Kratos (`selfservice.methods.code.enabled`, its default).",
		Attributes: attrs,
	}
}

// Open creates the recovery code.
func (r *recoveryCodeEphemeralResource) Open(ctx context.Context, req ephemeral.OpenRequest, resp *ephemeral.OpenResponse) {
	var m recoveryCodeModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &m)...)
	client := r.data.clientOrError(&resp.Diagnostics)
	if resp.Diagnostics.HasError() {
		return
	}
	if m.FlowType.IsNull() || m.FlowType.IsUnknown() {
		m.FlowType = types.StringValue(recoveryFlowTypes[0])
	}
	out, err := client.CreateRecoveryCodeForIdentity(ctx, kratosclient.CreateRecoveryCodeBody{
		IdentityID: m.IdentityID.ValueString(),
		ExpiresIn:  m.ExpiresIn.ValueString(),
		FlowType:   m.FlowType.ValueString(),
	}, m.ReturnTo.ValueString())
	if err != nil {
		addRecoveryError(&resp.Diagnostics, "code", err)
		return
	}
	m.RecoveryCode = types.StringValue(out.RecoveryCode)
	m.RecoveryLink = types.StringValue(out.RecoveryLink)
	m.ExpiresAt = types.StringValue(out.ExpiresAt)
	resp.Diagnostics.Append(resp.Result.Set(ctx, &m)...)
}

// ephemeralBase holds the provider data every ephemeral resource of this provider receives.
type ephemeralBase struct {
	data *providerData
}

// Configure keeps the provider data; it is nil during validation, before the provider is configured.
func (b *ephemeralBase) Configure(_ context.Context, req ephemeral.ConfigureRequest, resp *ephemeral.ConfigureResponse) {
	b.data = providerDataFrom(req.ProviderData, &resp.Diagnostics)
}

// recoveryInputAttributes returns the input attributes of a recovery ephemeral resource for method (code or link).
func recoveryInputAttributes(method string) map[string]schema.Attribute {
	return map[string]schema.Attribute{
		"identity_id": schema.StringAttribute{
			Required:            true,
			MarkdownDescription: "The ID (a UUID) of the identity to recover.",
			Validators:          []validator.String{uuidValidator()},
		},
		"expires_in": schema.StringAttribute{
			Optional: true,
			MarkdownDescription: fmt.Sprintf("How long the %s stays valid, as a positive Go duration such as `15m` or `1h`. "+
				"Defaults to Kratos's `selfservice.methods.%s.config.lifespan` (1h unless configured).", method, method),
			Validators: []validator.String{durationValidator{}},
		},
		"return_to": schema.StringAttribute{
			Optional: true,
			MarkdownDescription: "Where Kratos sends the user after recovery and the settings flow that follows. " +
				"It must be allowed by Kratos's `selfservice.allowed_return_urls`. Defaults to Kratos's default return URL.",
		},
	}
}

// addRecoveryError explains a failed recovery request for method (code or link). Kratos reports
// an unknown identity as 404 for codes but 400 for links, and a disabled method as 404 for both.
func addRecoveryError(diags *diag.Diagnostics, method string, err error) {
	summary := fmt.Sprintf("Unable to Create Recovery %s", strings.ToUpper(method[:1])+method[1:])
	status := kratosclient.StatusCode(err)
	detail := ""
	var apiErr *kratosclient.APIError
	if errors.As(err, &apiErr) {
		detail = apiErr.Detail()
	}
	switch {
	case apiErr == nil:
		addClientError(diags, summary, err)
	case status == http.StatusNotFound && strings.Contains(detail, "disabled"):
		diags.AddError(fmt.Sprintf("Recovery by %s disabled in Kratos", method),
			fmt.Sprintf("Kratos answered 404 (its answer for a disabled method, as if the endpoint did not exist): %s\n\n"+
				"Enable the %s method in the Kratos configuration (selfservice.methods.%s.enabled: true) and restart Kratos, "+
				"or use kratos_recovery_%s instead.", detail, method, method, otherRecoveryMethod(method)))
	case method == "code" && status == http.StatusNotFound:
		diags.AddAttributeError(path.Root("identity_id"), "Identity not found",
			fmt.Sprintf("Kratos has no identity with this ID (it answered 404: %s). Check identity_id.", detail))
	case method == "link" && status == http.StatusBadRequest && strings.Contains(detail, "identity id does not exist"):
		diags.AddAttributeError(path.Root("identity_id"), "Identity not found",
			fmt.Sprintf("Kratos has no identity with this ID (it answered 400: %s; this endpoint reports an unknown "+
				"identity as a bad request rather than 404). Check identity_id.", detail))
	case status == http.StatusBadRequest && strings.Contains(detail, "return_to"):
		diags.AddAttributeError(path.Root("return_to"), "Return URL not allowed",
			fmt.Sprintf("Kratos answered 400: %s\n\nUse a URL allowed by selfservice.allowed_return_urls in the Kratos configuration, or add it there.", detail))
	case status == http.StatusBadRequest && strings.Contains(detail, "expires_in"):
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
