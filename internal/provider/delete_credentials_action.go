package provider

import (
	"context"

	"github.com/hashicorp/terraform-plugin-framework/action"
	"github.com/hashicorp/terraform-plugin-framework/action/schema"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"
)

var (
	_ action.ActionWithConfigure  = (*deleteCredentialsAction)(nil)
	_ action.ActionWithModifyPlan = (*deleteCredentialsAction)(nil)
)

// deleteCredentialsAction deletes second factors and unlinks social sign-in providers of an identity.
type deleteCredentialsAction struct {
	operationAction
}

// NewDeleteCredentialsAction returns the kratos_delete_credentials action.
func NewDeleteCredentialsAction() action.Action {
	return &deleteCredentialsAction{operationAction{typeName: "delete_credentials"}}
}

// Schema describes the action.
func (a *deleteCredentialsAction) Schema(_ context.Context, _ action.SchemaRequest, resp *action.SchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: "Deletes credentials of a Kratos identity: resets the second factor of a user who lost a device (`totp`, `lookup_secret`, `webauthn`) " +
			"or unlinks social sign-in providers (`oidc`, `saml`); on Kratos v25.4.0 and later it can also delete a password that is not the identity's last sign-in method. " +
			"The action reports each deletion in its progress messages; a type the identity does not have is a warning, an unknown identity an error. " +
			"Actions need Terraform 1.14 or later; on other CLIs use the `kratos_credentials_deletion` resource, which does the same.",
		Attributes: map[string]schema.Attribute{
			"identity_id": schema.StringAttribute{
				Required:            true,
				MarkdownDescription: deleteIdentityIDDescription,
				Validators:          []validator.String{uuidValidator()},
			},
			"types": schema.SetAttribute{
				Required:            true,
				ElementType:         types.StringType,
				MarkdownDescription: credentialTypesDescription(),
				Validators:          credentialTypesValidators(),
			},
			"oidc_identifiers": schema.SetAttribute{
				Optional:            true,
				ElementType:         types.StringType,
				MarkdownDescription: oidcIdentifiersDescription,
				Validators:          oidcIdentifiersValidators(),
			},
		},
	}
}

// ModifyPlan refuses, at plan time, the types the Kratos behind the provider cannot delete.
func (a *deleteCredentialsAction) ModifyPlan(ctx context.Context, req action.ModifyPlanRequest, resp *action.ModifyPlanResponse) {
	var chosen types.Set
	resp.Diagnostics.Append(req.Config.GetAttribute(ctx, path.Root("types"), &chosen)...)
	checkCredentialTypesForVersion(ctx, a.data, chosen, &resp.Diagnostics)
}

// Invoke deletes the credentials.
func (a *deleteCredentialsAction) Invoke(ctx context.Context, req action.InvokeRequest, resp *action.InvokeResponse) {
	var cfg credentialsDeletionInput
	client, progress := a.start(ctx, req, resp, &cfg)
	if client == nil {
		return
	}
	deleteCredentials(ctx, client, cfg, progress, &resp.Diagnostics)
}
