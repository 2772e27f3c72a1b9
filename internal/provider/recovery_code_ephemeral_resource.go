package provider

import (
	"context"
	"fmt"

	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/ephemeral"
	"github.com/hashicorp/terraform-plugin-framework/ephemeral/schema"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/kratos-tf/terraform-provider-kratos/internal/kratosclient"
)

// recoveryFlowTypes are the flow types a recovery code can be made for; the first is Kratos's default.
var recoveryFlowTypes = []string{"browser", "api"}

// recoveryCodeModel is the configuration and result of kratos_recovery_code.
type recoveryCodeModel struct {
	recoveryModel
	FlowType     types.String `tfsdk:"flow_type"`
	RecoveryCode types.String `tfsdk:"recovery_code"`
	RecoveryLink types.String `tfsdk:"recovery_link"`
}

// NewRecoveryCodeEphemeralResource returns the kratos_recovery_code ephemeral resource.
func NewRecoveryCodeEphemeralResource() ephemeral.EphemeralResource {
	return &recoveryEphemeralResource[recoveryCodeModel]{
		ephemeralBase: ephemeralBase{typeName: "recovery_code"},
		method:        "code",
		description: "Creates a one-time recovery code for an identity through Kratos's admin API, for example to hand to a " +
			"support agent or an onboarding mail. Each time Terraform opens it a new code and flow are created. " +
			"Never stored in the plan or state; needs Terraform 1.10 or OpenTofu 1.11 or later, and the `code` method enabled " +
			"in Kratos (`selfservice.methods.code.enabled`, its default).",
		attributes: recoveryCodeAttributes,
		create:     createRecoveryCode,
	}
}

// recoveryCodeAttributes returns the attributes only kratos_recovery_code has.
func recoveryCodeAttributes() map[string]schema.Attribute {
	return map[string]schema.Attribute{
		"flow_type": schema.StringAttribute{
			Optional: true,
			Computed: true,
			MarkdownDescription: fmt.Sprintf("The kind of recovery flow to create. Allowed values: %s. Defaults to `%s`.",
				quotedList(recoveryFlowTypes), recoveryFlowTypes[0]),
			Validators: []validator.String{stringvalidator.OneOf(recoveryFlowTypes...)},
		},
		"recovery_code": schema.StringAttribute{
			Computed:            true,
			Sensitive:           true,
			MarkdownDescription: "The one-time recovery code (six digits) to enter in the recovery flow.",
		},
		"recovery_link": schema.StringAttribute{
			Computed:            true,
			MarkdownDescription: "The link to the recovery flow (Kratos's recovery UI with the flow ID) where the code is entered.",
		},
	}
}

// createRecoveryCode creates the recovery code m asks for and fills in m's results.
func createRecoveryCode(ctx context.Context, client *kratosclient.Client, m *recoveryCodeModel) error {
	if m.FlowType.IsNull() || m.FlowType.IsUnknown() {
		m.FlowType = types.StringValue(recoveryFlowTypes[0])
	}
	out, err := client.CreateRecoveryCodeForIdentity(ctx, kratosclient.CreateRecoveryCodeBody{
		IdentityID: m.IdentityID.ValueString(),
		ExpiresIn:  m.ExpiresIn.ValueString(),
		FlowType:   m.FlowType.ValueString(),
	}, m.ReturnTo.ValueString())
	if err != nil {
		return err
	}
	m.RecoveryCode = types.StringValue(out.RecoveryCode)
	m.RecoveryLink = types.StringValue(out.RecoveryLink)
	m.ExpiresAt = types.StringValue(out.ExpiresAt)
	return nil
}
