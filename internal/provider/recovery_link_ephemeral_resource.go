package provider

import (
	"context"

	"github.com/hashicorp/terraform-plugin-framework/ephemeral"
	"github.com/hashicorp/terraform-plugin-framework/ephemeral/schema"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/kratos-tf/terraform-provider-kratos/internal/kratosclient"
)

// recoveryLinkModel is the configuration and result of kratos_recovery_link.
type recoveryLinkModel struct {
	recoveryModel
	RecoveryLink types.String `tfsdk:"recovery_link"`
}

// NewRecoveryLinkEphemeralResource returns the kratos_recovery_link ephemeral resource.
func NewRecoveryLinkEphemeralResource() ephemeral.EphemeralResource {
	return &recoveryEphemeralResource[recoveryLinkModel]{
		ephemeralBase: ephemeralBase{typeName: "recovery_link"},
		method:        "link",
		description: "Creates a one-time recovery link for an identity through Kratos's admin API. " +
			"Each time Terraform opens it a new link is created. Never stored in the plan or state; needs Terraform 1.10 " +
			"or OpenTofu 1.11 or later, and the `link` method enabled in Kratos (`selfservice.methods.link.enabled: true`; " +
			"it is disabled by default).",
		attributes: func() map[string]schema.Attribute {
			return map[string]schema.Attribute{
				"recovery_link": schema.StringAttribute{
					Computed:            true,
					Sensitive:           true,
					MarkdownDescription: "The one-time recovery link; whoever opens it is signed in as the identity.",
				},
			}
		},
		create: createRecoveryLink,
	}
}

// createRecoveryLink creates the recovery link m asks for and fills in m's results.
func createRecoveryLink(ctx context.Context, client *kratosclient.Client, m *recoveryLinkModel) error {
	out, err := client.CreateRecoveryLinkForIdentity(ctx, kratosclient.CreateRecoveryLinkBody{
		IdentityID: m.IdentityID.ValueString(),
		ExpiresIn:  m.ExpiresIn.ValueString(),
	}, m.ReturnTo.ValueString())
	if err != nil {
		return err
	}
	m.RecoveryLink = types.StringValue(out.RecoveryLink)
	m.ExpiresAt = types.StringValue(out.ExpiresAt)
	return nil
}
