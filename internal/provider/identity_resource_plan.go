package provider

import (
	"context"
	"fmt"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/kratos-tf/terraform-provider-kratos/internal/identityschema"
	"github.com/kratos-tf/terraform-provider-kratos/internal/kratosclient"
)

// ModifyPlan validates the traits against the identity schema, and the verified addresses
// against the traits.
func (r *identityResource) ModifyPlan(ctx context.Context, req resource.ModifyPlanRequest, resp *resource.ModifyPlanResponse) {
	// Nothing to check on destroy, nor when the plan is the state: a refresh plan of an
	// unchanged identity, by far the most common plan, decodes nothing.
	if req.Plan.Raw.IsNull() || req.Plan.Raw.Equal(req.State.Raw) {
		return
	}
	var plan identityResourceModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	var state *identityResourceModel
	if !req.State.Raw.IsNull() {
		state = &identityResourceModel{}
		resp.Diagnostics.Append(req.State.Get(ctx, state)...)
	}
	if resp.Diagnostics.HasError() {
		return
	}

	var config identityResourceModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &config)...)
	if resp.Diagnostics.HasError() {
		return
	}

	// The version is read only for an external ID that will be sent, so plans without one cost no request.
	if !config.ExternalID.IsNull() && !config.ExternalID.IsUnknown() && (state == nil || !config.ExternalID.Equal(state.ExternalID)) {
		r.data.requireExternalIDs(ctx, path.Root("external_id"), &resp.Diagnostics)
	}
	traitsChange := state == nil || !jsonEquivalent(plan.Traits, state.Traits) || !plan.SchemaID.Equal(state.SchemaID)
	if traitsChange {
		r.validateTraits(ctx, plan.SchemaID, plan.Traits, &resp.Diagnostics)
	}
	verified := config.login(ctx, &resp.Diagnostics).VerifiedAddresses
	if traitsChange || !verified.Equal(state.login(ctx, &resp.Diagnostics).VerifiedAddresses) {
		r.validateVerifiedAddresses(ctx, &plan, verified, &resp.Diagnostics)
	}
}

// validateVerifiedAddresses checks, when the traits and the schema are known, that the traits
// produce every address of login.verified_addresses in the configuration.
func (r *identityResource) validateVerifiedAddresses(ctx context.Context, plan *identityResourceModel, verified types.Set, diags *diag.Diagnostics) {
	if verified.IsNull() || verified.IsUnknown() || plan.Traits.IsUnknown() || plan.Traits.IsNull() {
		return
	}
	if s := r.knownSchema(ctx, plan.SchemaID); s != nil {
		addUnproducedAddressErrors(s, plan.Traits.ValueString(), stringSet(ctx, verified, diags), diags)
	}
}

// knownSchema returns the compiled identity schema of a known schema ID when the provider can
// load it, else nil; validateTraits reports why it could not.
func (r *identityResource) knownSchema(ctx context.Context, schemaID types.String) *jsonschema.Schema {
	if r.data == nil || r.data.client == nil || schemaID.IsNull() || schemaID.IsUnknown() {
		return nil
	}
	s, err := r.data.schemas.Get(ctx, schemaID.ValueString())
	if err != nil {
		return nil
	}
	return s
}

// validateTraits checks known traits against the identity schema, fetched once per process.
func (r *identityResource) validateTraits(ctx context.Context, schemaID types.String, traits jsonValue, diags *diag.Diagnostics) {
	if r.data == nil || r.data.client == nil || schemaID.IsNull() || schemaID.IsUnknown() || traits.IsNull() || traits.IsUnknown() {
		return
	}
	compiled, err := r.data.schemas.Get(ctx, schemaID.ValueString())
	switch {
	case kratosclient.IsNotFound(err):
		addUnknownSchemaError(ctx, r.data.client, diags, path.Root("schema_id"), "", "Unknown identity schema", schemaID.ValueString())
		return
	case err != nil:
		diags.AddAttributeWarning(path.Root("traits"), "Traits not validated at plan time",
			fmt.Sprintf("The identity schema %q could not be loaded, so Kratos will validate the traits during apply.\n\n%s",
				schemaID.ValueString(), describeClientError(err)))
		return
	}
	for _, problem := range identityschema.Violations(compiled, traits.ValueString()) {
		diags.AddAttributeError(path.Root("traits"), "Traits do not match the identity schema",
			fmt.Sprintf("Identity schema %q: %s", schemaID.ValueString(), problem))
	}
	addBlankIdentifierErrors(compiled, traits.ValueString(), diags)
}
