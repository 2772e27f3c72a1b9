package provider

import (
	"context"

	"github.com/google/uuid"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/setplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"
)

var (
	_ resource.ResourceWithConfigure  = (*credentialsDeletionResource)(nil)
	_ resource.ResourceWithModifyPlan = (*credentialsDeletionResource)(nil)
)

// credentialsDeletionResource deletes credentials when it is created, as kratos_delete_credentials does.
type credentialsDeletionResource struct {
	triggerResource
}

// credentialsDeletionModel is the state of kratos_credentials_deletion.
type credentialsDeletionModel struct {
	credentialsDeletionInput
	ID           types.String `tfsdk:"id"`
	Triggers     types.Map    `tfsdk:"triggers"`
	DeletedTypes types.Set    `tfsdk:"deleted_types"`
}

// NewCredentialsDeletionResource returns the kratos_credentials_deletion resource.
func NewCredentialsDeletionResource() resource.Resource {
	return &credentialsDeletionResource{triggerResource{typeName: "credentials_deletion"}}
}

// Schema describes the resource.
func (r *credentialsDeletionResource) Schema(_ context.Context, _ resource.SchemaRequest, resp *resource.SchemaResponse) {
	replace := []planmodifier.Set{setplanmodifier.RequiresReplace()}
	attrs := triggerAttributes("A random UUID that identifies this deletion.")
	attrs["identity_id"] = schema.StringAttribute{
		Required:            true,
		MarkdownDescription: deleteIdentityIDDescription + " Changing it deletes the credentials of the new identity.",
		Validators:          []validator.String{uuidValidator()},
		PlanModifiers:       replaceOnChange(),
	}
	attrs["types"] = schema.SetAttribute{
		Required:            true,
		ElementType:         types.StringType,
		MarkdownDescription: credentialTypesDescription() + " Changing it deletes again.",
		Validators:          credentialTypesValidators(),
		PlanModifiers:       replace,
	}
	attrs["oidc_identifiers"] = schema.SetAttribute{
		Optional:            true,
		ElementType:         types.StringType,
		MarkdownDescription: oidcIdentifiersDescription + " Changing it deletes again.",
		Validators:          oidcIdentifiersValidators(),
		PlanModifiers:       replace,
	}
	attrs["deleted_types"] = schema.SetAttribute{
		Computed:            true,
		ElementType:         types.StringType,
		MarkdownDescription: "The types of which Create deleted something; empty when the identity had none of `types`.",
	}
	resp.Schema = schema.Schema{
		MarkdownDescription: "Deletes credentials of a Kratos identity as an operation that works on every CLI: the same as the " +
			"`kratos_delete_credentials` action (Terraform 1.14 and later), as a resource, for example to reset the second factor of a user " +
			"who lost a device. **Create** deletes the credentials; the password stays, so the user signs in with it alone. Every argument " +
			"forces replacement, so changing `triggers` deletes again (a type that is already gone gives a warning). **Read** keeps the " +
			"recorded result: there is nothing to read back. **Delete** only removes the resource from the state; deleted credentials stay deleted. " +
			"An unknown identity fails the apply.",
		Attributes: attrs,
	}
}

// ModifyPlan refuses, before anything is deleted, the types the Kratos behind the provider cannot delete.
func (r *credentialsDeletionResource) ModifyPlan(ctx context.Context, req resource.ModifyPlanRequest, resp *resource.ModifyPlanResponse) {
	if req.Plan.Raw.IsNull() || req.Plan.Raw.Equal(req.State.Raw) {
		return
	}
	var chosen types.Set
	resp.Diagnostics.Append(req.Plan.GetAttribute(ctx, path.Root("types"), &chosen)...)
	checkCredentialTypesForVersion(ctx, r.data, chosen, &resp.Diagnostics)
}

// Create deletes the credentials and records which types it deleted.
func (r *credentialsDeletionResource) Create(ctx context.Context, req resource.CreateRequest, resp *resource.CreateResponse) {
	var m credentialsDeletionModel
	client, progress := r.start(ctx, req.Plan, &m, &resp.Diagnostics)
	if client == nil {
		return
	}
	deleted := deleteCredentials(ctx, client, m.credentialsDeletionInput, progress, &resp.Diagnostics)
	if resp.Diagnostics.HasError() {
		return
	}
	m.ID = types.StringValue(uuid.NewString())
	set, diags := types.SetValueFrom(ctx, types.StringType, deleted)
	resp.Diagnostics.Append(diags...)
	m.DeletedTypes = set
	resp.Diagnostics.Append(resp.State.Set(ctx, &m)...)
}
