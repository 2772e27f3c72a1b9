package provider

import (
	"context"
	"fmt"

	"github.com/hashicorp/terraform-plugin-framework/action"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/mapplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/tfsdk"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-log/tflog"

	"github.com/kratos-tf/terraform-provider-kratos/internal/kratosclient"
)

// Attribute descriptions shared by each action and its trigger resource.
const (
	revokeIdentityIDDescription = "The ID (a UUID) of the identity whose sessions to revoke: every session of it is deleted, active or not. " +
		"Exactly one of `identity_id` and `session_id` must be set."
	revokeSessionIDDescription = "The ID (a UUID) of the one session to revoke. Kratos marks it inactive and keeps it readable. " +
		"Exactly one of `identity_id` and `session_id` must be set."
	extendSessionIDDescription = "The ID (a UUID) of the session to extend. Kratos sets its expiry to now plus its configured `session.lifespan` " +
		"(24 hours by default), unless `session.earliest_possible_extend` has not been reached yet, in which case the expiry stays and a warning says so."
	deleteIdentityIDDescription = "The ID (a UUID) of the identity whose credentials to delete."
	oidcIdentifiersDescription  = "The linked social sign-in providers to unlink, each as `provider:subject` (for example `github:123456`, " +
		"as in the identity's `credentials.oidc.identifiers`). Requires `oidc` in `types`; when `types` has `oidc` and this is not set, " +
		"every linked provider is unlinked. An identifier that is not linked gives a warning."
	triggersDescription = "Arbitrary strings; changing any of them replaces the resource, which performs the operation again. " +
		"For example `{ state = kratos_identity.x.state }` performs it whenever the identity's state changes."
)

// progressFunc tells the user about one step an operation took.
type progressFunc func(ctx context.Context, message string)

// addIdentityError reports a failed read of the identity an operation acts on, on identity_id when Kratos does not know it.
func addIdentityError(diags *diag.Diagnostics, summary, id string, err error) {
	if kratosclient.IsNotFound(err) {
		diags.AddAttributeError(path.Root("identity_id"), "Identity not found",
			fmt.Sprintf("Kratos has no identity %s (it answered 404), so nothing was done. Check the ID; the kratos_identities data source lists existing identities.", id))
		return
	}
	addClientError(diags, summary, err)
}

// operationAction holds the type name and provider data of an action (kratos_revoke_sessions,
// kratos_extend_session, kratos_delete_credentials); each performs the same operation as its trigger
// resource, from session_operations.go or credentials_deletion_operation.go.
type operationAction struct {
	typeName string // without the provider name and underscore
	data     *providerData
}

// Metadata names the action.
func (a *operationAction) Metadata(_ context.Context, req action.MetadataRequest, resp *action.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_" + a.typeName
}

// Configure keeps the provider data; it is nil during validation, before the provider is configured.
func (a *operationAction) Configure(_ context.Context, req action.ConfigureRequest, resp *action.ConfigureResponse) {
	a.data = providerDataFrom(req.ProviderData, &resp.Diagnostics)
}

// start reads the action's configuration into cfg and returns the client and a progress
// function that sends the action's progress messages; the client is nil when diagnostics have an error.
func (a *operationAction) start(ctx context.Context, req action.InvokeRequest, resp *action.InvokeResponse, cfg any) (*kratosclient.Client, progressFunc) {
	resp.Diagnostics.Append(req.Config.Get(ctx, cfg)...)
	client := a.data.clientOrError(&resp.Diagnostics)
	if resp.Diagnostics.HasError() {
		return nil, nil
	}
	return client, func(ctx context.Context, message string) {
		tflog.Info(ctx, message)
		if resp.SendProgress != nil {
			resp.SendProgress(action.InvokeProgressEvent{Message: message})
		}
	}
}

// triggerResource holds the type name and provider data of a resource that performs an operation
// when it is created; its Read keeps the recorded result, Update never changes anything, and Delete only forgets.
type triggerResource struct {
	typeName string // without the provider name and underscore
	data     *providerData
}

// Metadata names the resource.
func (r *triggerResource) Metadata(_ context.Context, req resource.MetadataRequest, resp *resource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_" + r.typeName
}

// Configure keeps the provider data; it is nil during validation, before the provider is configured.
func (r *triggerResource) Configure(_ context.Context, req resource.ConfigureRequest, resp *resource.ConfigureResponse) {
	r.data = providerDataFrom(req.ProviderData, &resp.Diagnostics)
}

// start reads the plan into model and returns the client and a progress function that logs;
// the client is nil when diagnostics have an error.
func (r *triggerResource) start(ctx context.Context, plan tfsdk.Plan, model any, diags *diag.Diagnostics) (*kratosclient.Client, progressFunc) {
	diags.Append(plan.Get(ctx, model)...)
	client := r.data.clientOrError(diags)
	if diags.HasError() {
		return nil, nil
	}
	return client, func(ctx context.Context, message string) { tflog.Info(ctx, message) }
}

// Read keeps the recorded result: there is nothing in Kratos to read it back from.
func (r *triggerResource) Read(context.Context, resource.ReadRequest, *resource.ReadResponse) {}

// Update is never needed, since every input forces replacement; it keeps the planned values.
func (r *triggerResource) Update(_ context.Context, req resource.UpdateRequest, resp *resource.UpdateResponse) {
	resp.State.Raw = req.Plan.Raw
}

// Delete only forgets the resource: an operation that was performed cannot be undone.
func (r *triggerResource) Delete(ctx context.Context, _ resource.DeleteRequest, _ *resource.DeleteResponse) {
	tflog.Debug(ctx, "removing "+r.typeName+" from the state only; the operation it performed stays done")
}

// triggerAttributes are the attributes every trigger resource has: id and triggers.
func triggerAttributes(idDescription string) map[string]schema.Attribute {
	return map[string]schema.Attribute{
		"id": schema.StringAttribute{
			Computed:            true,
			MarkdownDescription: idDescription,
			PlanModifiers:       []planmodifier.String{stringplanmodifier.UseStateForUnknown()},
		},
		"triggers": schema.MapAttribute{
			Optional:            true,
			ElementType:         types.StringType,
			MarkdownDescription: triggersDescription,
			PlanModifiers:       []planmodifier.Map{mapplanmodifier.RequiresReplace()},
		},
	}
}

// replaceOnChange is the plan modifier of every input of a trigger resource.
func replaceOnChange() []planmodifier.String {
	return []planmodifier.String{stringplanmodifier.RequiresReplace()}
}
