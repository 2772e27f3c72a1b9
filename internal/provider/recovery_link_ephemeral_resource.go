package provider

import (
	"context"

	"github.com/hashicorp/terraform-plugin-framework/ephemeral"
	"github.com/hashicorp/terraform-plugin-framework/ephemeral/schema"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/kratos-tf/terraform-provider-kratos/internal/kratosclient"
)

var _ ephemeral.EphemeralResourceWithConfigure = (*recoveryLinkEphemeralResource)(nil)

// recoveryLinkEphemeralResource creates a one-time recovery link for an identity.
type recoveryLinkEphemeralResource struct {
	ephemeralBase
}

// recoveryLinkModel is the configuration and result of kratos_recovery_link.
type recoveryLinkModel struct {
	recoveryInput
	RecoveryLink types.String `tfsdk:"recovery_link"`
	ExpiresAt    types.String `tfsdk:"expires_at"`
}

// NewRecoveryLinkEphemeralResource returns the kratos_recovery_link ephemeral resource.
func NewRecoveryLinkEphemeralResource() ephemeral.EphemeralResource {
	return &recoveryLinkEphemeralResource{}
}

// Metadata names the ephemeral resource.
func (r *recoveryLinkEphemeralResource) Metadata(_ context.Context, req ephemeral.MetadataRequest, resp *ephemeral.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_recovery_link"
}

// Schema describes the ephemeral resource.
func (r *recoveryLinkEphemeralResource) Schema(_ context.Context, _ ephemeral.SchemaRequest, resp *ephemeral.SchemaResponse) {
	attrs := recoveryInputAttributes("link")
	attrs["recovery_link"] = schema.StringAttribute{
		Computed:            true,
		Sensitive:           true,
		MarkdownDescription: "The one-time recovery link; whoever opens it is signed in as the identity.",
	}
	attrs["expires_at"] = schema.StringAttribute{
		Computed:            true,
		MarkdownDescription: "When the link expires, in RFC 3339 format.",
	}
	resp.Schema = schema.Schema{
		MarkdownDescription: "Creates a one-time recovery link for an identity through Kratos's admin API. " +
			"Each time Terraform opens it a new link is created. Never stored in the plan or state; needs Terraform 1.10 " +
			"or OpenTofu 1.11 or later, and the `link` method enabled in Kratos (`selfservice.methods.link.enabled: true`; " +
			"it is disabled by default).",
		Attributes: attrs,
	}
}

// Open creates the recovery link.
func (r *recoveryLinkEphemeralResource) Open(ctx context.Context, req ephemeral.OpenRequest, resp *ephemeral.OpenResponse) {
	var m recoveryLinkModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &m)...)
	client := r.data.clientOrError(&resp.Diagnostics)
	if resp.Diagnostics.HasError() {
		return
	}
	out, err := client.CreateRecoveryLinkForIdentity(ctx, kratosclient.CreateRecoveryLinkBody{
		IdentityID: m.IdentityID.ValueString(),
		ExpiresIn:  m.ExpiresIn.ValueString(),
	}, m.ReturnTo.ValueString())
	if err != nil {
		addRecoveryError(&resp.Diagnostics, "link", err)
		return
	}
	m.RecoveryLink = types.StringValue(out.RecoveryLink)
	m.ExpiresAt = types.StringValue(out.ExpiresAt)
	resp.Diagnostics.Append(resp.Result.Set(ctx, &m)...)
}
