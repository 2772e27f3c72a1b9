package provider

import (
	"context"
	"fmt"
	"slices"

	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/kratos-tf/terraform-provider-kratos/internal/kratosclient"
)

// ModifyPlan validates the traits against the identity schema and marks unknown exactly the
// computed values the update will change.
func (r *identityResource) ModifyPlan(ctx context.Context, req resource.ModifyPlanRequest, resp *resource.ModifyPlanResponse) {
	if req.Plan.Raw.IsNull() {
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

	traitsChange := state == nil || !jsonEquivalent(plan.Traits, state.Traits) || !plan.SchemaID.Equal(state.SchemaID)
	if traitsChange {
		r.validateTraits(ctx, plan.SchemaID, plan.Traits, &resp.Diagnostics)
	}
	if state == nil || req.Plan.Raw.Equal(req.State.Raw) {
		return
	}
	// write tells whether Update will send anything; when it will not (for example only
	// password removed or verified_addresses shrunk), every computed value stays known.
	write := traitsChange || !plan.State.Equal(state.State) ||
		!jsonEquivalent(plan.MetadataPublic, state.MetadataPublic) || !jsonEquivalent(plan.MetadataAdmin, state.MetadataAdmin)
	if traitsChange {
		plan.VerifiableAddresses = types.ListUnknown(verifiableAddressObjectType)
		plan.RecoveryAddresses = types.ListUnknown(recoveryAddressObjectType)
		plan.Credentials = types.MapUnknown(credentialObjectType)
	}
	// Without verified_addresses in the configuration the kept value is not managed.
	if !config.VerifiedAddresses.IsNull() && verificationNeeded(ctx, &plan, state, &resp.Diagnostics) {
		plan.VerifiableAddresses = types.ListUnknown(verifiableAddressObjectType)
		write = true
	}
	secretUnknown := plan.Password.IsUnknown() || plan.HashedPassword.IsUnknown() || plan.PasswordWOVersion.IsUnknown()
	if secretUnknown || credentialsToSend(ctx, &plan, &config, state, &resp.Diagnostics) != nil || !plan.OIDCProviders.Equal(state.OIDCProviders) {
		plan.Credentials = types.MapUnknown(credentialObjectType)
		write = true
	}
	if write {
		plan.UpdatedAt = types.StringUnknown()
	}
	if !plan.State.Equal(state.State) {
		plan.StateChangedAt = types.StringUnknown()
	}
	resp.Diagnostics.Append(resp.Plan.Set(ctx, &plan)...)
}

// validateTraits checks known traits against the identity schema, fetched once per process.
func (r *identityResource) validateTraits(ctx context.Context, schemaID types.String, traits jsonValue, diags *diag.Diagnostics) {
	if r.data == nil || r.data.client == nil || schemaID.IsNull() || schemaID.IsUnknown() || traits.IsNull() || traits.IsUnknown() {
		return
	}
	compiled, err := r.data.schemas.get(ctx, schemaID.ValueString())
	switch {
	case kratosclient.IsNotFound(err):
		addUnknownSchemaError(ctx, r.data.client, diags, "Unknown identity schema", schemaID.ValueString())
		return
	case err != nil:
		diags.AddAttributeWarning(path.Root("traits"), "Traits not validated at plan time",
			fmt.Sprintf("The identity schema %q could not be loaded, so Kratos will validate the traits during apply.\n\n%s",
				schemaID.ValueString(), describeClientError(err)))
		return
	}
	for _, problem := range schemaViolations(compiled, traits.ValueString()) {
		diags.AddAttributeError(path.Root("traits"), "Traits do not match the identity schema",
			fmt.Sprintf("Identity schema %q: %s", schemaID.ValueString(), problem))
	}
	addBlankIdentifierErrors(compiled, traits.ValueString(), diags)
}

// verificationNeeded reports whether an address in the plan's verified_addresses is not
// verified according to the prior state, or may not be because it is unknown yet.
func verificationNeeded(ctx context.Context, plan, state *identityResourceModel, diags *diag.Diagnostics) bool {
	if plan.VerifiedAddresses.IsUnknown() || slices.ContainsFunc(plan.VerifiedAddresses.Elements(), attr.Value.IsUnknown) {
		return true
	}
	want := stringSet(ctx, plan.VerifiedAddresses, diags)
	if len(want) == 0 {
		return false
	}
	verified := map[string]bool{}
	for _, a := range verifiableAddressesFrom(ctx, state.VerifiableAddresses, diags) {
		if a.Verified {
			verified[normalizeAddress(a.Value)] = true
		}
	}
	for _, a := range want {
		if !verified[normalizeAddress(a)] {
			return true
		}
	}
	return false
}
