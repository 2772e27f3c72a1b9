package provider

import (
	"context"
	"fmt"
	"slices"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"

	"github.com/kratos-tf/terraform-provider-kratos/internal/kratosclient"
)

var (
	_ resource.ResourceWithConfigure    = (*identityResource)(nil)
	_ resource.ResourceWithImportState  = (*identityResource)(nil)
	_ resource.ResourceWithIdentity     = (*identityResource)(nil)
	_ resource.ResourceWithModifyPlan   = (*identityResource)(nil)
	_ resource.ResourceWithUpgradeState = (*identityResource)(nil)
)

// NewIdentityResource returns the kratos_identity resource.
func NewIdentityResource() resource.Resource { return &identityResource{} }

// identityResource manages one Kratos identity.
type identityResource struct {
	data *providerData
}

// Metadata names the resource type.
func (r *identityResource) Metadata(_ context.Context, req resource.MetadataRequest, resp *resource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_identity"
}

// Configure keeps the provider data.
func (r *identityResource) Configure(_ context.Context, req resource.ConfigureRequest, resp *resource.ConfigureResponse) {
	r.data = providerDataFrom(req.ProviderData, &resp.Diagnostics)
}

// Schema describes the resource.
func (r *identityResource) Schema(_ context.Context, _ resource.SchemaRequest, resp *resource.SchemaResponse) {
	resp.Schema = identityResourceSchema()
}

// IdentitySchema describes the resource identity.
func (r *identityResource) IdentitySchema(_ context.Context, _ resource.IdentitySchemaRequest, resp *resource.IdentitySchemaResponse) {
	resp.IdentitySchema = identityResourceIdentitySchema()
}

// Create creates the identity with one request.
func (r *identityResource) Create(ctx context.Context, req resource.CreateRequest, resp *resource.CreateResponse) {
	var plan, config identityResourceModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	resp.Diagnostics.Append(req.Config.Get(ctx, &config)...)
	client := r.data.clientOrError(&resp.Diagnostics)
	if resp.Diagnostics.HasError() {
		return
	}
	login, configLogin := plan.login(ctx, &resp.Diagnostics), config.login(ctx, &resp.Diagnostics)
	want := stringSet(ctx, login.VerifiedAddresses, &resp.Diagnostics)
	body := kratosclient.CreateIdentityBody{
		SchemaID:       plan.SchemaID.ValueString(),
		Traits:         rawOrNil(plan.Traits),
		State:          plan.State.ValueString(),
		MetadataPublic: rawOrNil(plan.MetadataPublic),
		MetadataAdmin:  rawOrNil(plan.MetadataAdmin),
	}
	for _, a := range want {
		body.VerifiableAddresses = append(body.VerifiableAddresses, verifiedAddressImport(a))
	}
	body.Credentials = credentialsToSend(ctx, &login, &configLogin, nil, &resp.Diagnostics)
	// Known here even when it was unknown at plan time, so checked again.
	if body.ExternalID = plan.ExternalID.ValueString(); body.ExternalID != "" {
		r.data.requireExternalIDs(ctx, path.Root("external_id"), &resp.Diagnostics)
	}
	if resp.Diagnostics.HasError() {
		return
	}

	created, err := client.CreateIdentity(ctx, body)
	if kratosclient.MayHaveBeenApplied(err) {
		created, err = recoverLostCreate(ctx, r.data, body, err)
	}
	if err != nil {
		addWriteError(ctx, r.data, &resp.Diagnostics, "Unable to Create Identity",
			identityWrite{schemaID: body.SchemaID, traits: body.Traits, externalID: body.ExternalID}, err)
		return
	}
	resp.Diagnostics.Append(resp.Private.SetKey(ctx, externalIDManagedKey, externalIDManagedFlag(config.ExternalID))...)
	resp.Diagnostics.Append(plan.fill(ctx, created, false)...)
	resp.Diagnostics.Append(resp.State.Set(ctx, &plan)...)
	resp.Diagnostics.Append(setResourceIdentity(ctx, resp.Identity, created.ID)...)
	checkVerified(created, want, &resp.Diagnostics)
}

// Read refreshes the identity from Kratos with one request.
func (r *identityResource) Read(ctx context.Context, req resource.ReadRequest, resp *resource.ReadResponse) {
	var state identityResourceModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	client := r.data.clientOrError(&resp.Diagnostics)
	if resp.Diagnostics.HasError() {
		return
	}
	// Set before the request: the framework wants an identity after every Read, also one that removes
	// the resource, and a state written by a CLI or provider version without identities has none.
	resp.Diagnostics.Append(setResourceIdentity(ctx, resp.Identity, state.ID.ValueString())...)
	id, err := client.GetIdentity(ctx, state.ID.ValueString())
	if kratosclient.IsNotFound(err) {
		resp.State.RemoveResource(ctx)
		return
	}
	if err != nil {
		addClientError(&resp.Diagnostics, "Unable to Read Identity", err)
		return
	}
	// Keep only the listed addresses that are still verified, so un-verifying shows as drift.
	resp.Diagnostics.Append(state.fill(ctx, id, true)...)
	resp.Diagnostics.Append(resp.State.Set(ctx, &state)...)
}

// Update sends one JSON Patch with the minimal changes, plus one full update when
// credentials change, and unlinks removed OIDC providers.
func (r *identityResource) Update(ctx context.Context, req resource.UpdateRequest, resp *resource.UpdateResponse) {
	var plan, config, state identityResourceModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	resp.Diagnostics.Append(req.Config.Get(ctx, &config)...)
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	client := r.data.clientOrError(&resp.Diagnostics)
	if resp.Diagnostics.HasError() {
		return
	}
	id := state.ID.ValueString()
	// The ID never changes, so the identity is known before anything is sent.
	resp.Diagnostics.Append(setResourceIdentity(ctx, resp.Identity, id)...)
	// At most one read of the identity per update, made only when something needs what Kratos holds.
	var held *kratosclient.Identity
	read := func() (*kratosclient.Identity, error) {
		if held != nil {
			return held, nil
		}
		var err error
		held, err = client.GetIdentity(ctx, id)
		return held, err
	}
	priorLinksFromKratos(ctx, read, &state, &plan, &resp.Diagnostics)
	if resp.Diagnostics.HasError() {
		return
	}
	changes, diags := computeIdentityChanges(ctx, &state, &plan, &config)
	resp.Diagnostics.Append(diags...)
	if changes.externalID != nil && *changes.externalID != "" {
		r.data.requireExternalIDs(ctx, path.Root("external_id"), &resp.Diagnostics)
	}
	if resp.Diagnostics.HasError() {
		return
	}
	written := identityWrite{self: id, schemaID: plan.SchemaID.ValueString(), traits: rawOrNil(plan.Traits)}
	if changes.externalID != nil {
		written.externalID = *changes.externalID
	}

	var result *kratosclient.Identity
	var err error
	requests := changes.requests(&plan)
	var current []kratosclient.VerifiableAddress
	if body := requests.put; body != nil {
		// A full update sends back what the plan does not set (organization_id, external_id when
		// unmanaged, fields of later Kratos releases), which a PUT would otherwise clear: one GET,
		// about 1 ms against a local Kratos, a fifth of the PUT with a cleartext password
		// (TestAccIdentityExternalID_fullUpdateKeepsFields logs both). A copy kept in the state
		// would cost bytes for every identity and lose whatever changed since the refresh.
		before, err := read()
		if err != nil {
			addClientError(&resp.Diagnostics, "Unable to Read Identity before Update", err)
			return
		}
		if body.Kept, err = kratosclient.UnmanagedFields(before.Raw); err != nil {
			addClientError(&resp.Diagnostics, "Unable to Read Identity before Update", err)
			return
		}
		result, err = client.UpdateIdentity(ctx, id, *body)
		if err != nil {
			addWriteError(ctx, r.data, &resp.Diagnostics, "Unable to Update Identity", written, err)
			return
		}
		// The verification patch lists the addresses in the order Kratos reads them from its
		// database (by ID), so that each keeps its ID; the PUT answer lists them in trait order.
		current = sortedAddresses(result.VerifiableAddresses, func(a kratosclient.VerifiableAddress) string { return a.ID })
	} else if len(requests.verify) > 0 {
		// The state keeps no copy of the addresses: the patch that verifies some is built on those Kratos holds.
		before, err := read()
		if err != nil {
			addClientError(&resp.Diagnostics, "Unable to Read Identity before Update", err)
			return
		}
		current = sortedAddresses(before.VerifiableAddresses, func(a kratosclient.VerifiableAddress) string { return a.ID })
	}
	if ops := requests.patch(current); len(ops) > 0 {
		result, err = client.PatchIdentity(ctx, id, ops)
		if err != nil {
			addWriteError(ctx, r.data, &resp.Diagnostics, "Unable to Update Identity", written, err)
			return
		}
	}

	removed := unlinkProviders(ctx, client, id, requests.unlink, &resp.Diagnostics)
	if resp.Diagnostics.HasError() {
		return
	}
	resp.Diagnostics.Append(resp.Private.SetKey(ctx, externalIDManagedKey, externalIDManagedFlag(config.ExternalID))...)
	switch {
	case result == nil && len(removed) > 0:
		// Unlinking answers without a body: read the result once.
		result, err = client.GetIdentity(ctx, id)
		if err != nil {
			addClientError(&resp.Diagnostics, "Unable to Read Identity after Update", err)
			return
		}
	case result != nil:
		dropOIDCIdentifiers(result, removed)
	}
	if result == nil {
		// Nothing to send (for example only password removed or verified_addresses shrunk):
		// the computed values stay as they were.
		resp.Diagnostics.Append(resp.State.Set(ctx, &plan)...)
		return
	}
	resp.Diagnostics.Append(plan.fill(ctx, result, false)...)
	resp.Diagnostics.Append(resp.State.Set(ctx, &plan)...)
	checkVerified(result, stringSet(ctx, config.login(ctx, &resp.Diagnostics).VerifiedAddresses, &resp.Diagnostics), &resp.Diagnostics)
}

// priorLinksFromKratos records in state the social sign-ins Kratos has linked when the plan starts
// managing login.oidc_providers and the state records none (after an import, a state upgrade, or
// a login without them), so that the update links only what Kratos lacks and unlinks what the
// plan leaves out. It reads the identity (through read) only then.
func priorLinksFromKratos(ctx context.Context, read func() (*kratosclient.Identity, error), state, plan *identityResourceModel, diags *diag.Diagnostics) {
	if planned := plan.login(ctx, diags).OIDCProviders; planned.IsNull() || planned.IsUnknown() {
		return
	}
	prior := state.login(ctx, diags)
	if !prior.OIDCProviders.IsNull() {
		return
	}
	held, err := read()
	if err != nil {
		addClientError(diags, "Unable to Read Identity before Update", err)
		return
	}
	links, d := oidcProvidersValue(identityOIDCProviders(held))
	diags.Append(d...)
	prior.OIDCProviders = links
	state.setLogin(ctx, prior, diags)
}

// unlinkProviders deletes the identity's links to the OIDC providers removed; one already gone
// counts as unlinked. It returns the providers unlinked, or nil after an error.
func unlinkProviders(ctx context.Context, client *kratosclient.Client, id string, removed []kratosclient.OIDCProvider, diags *diag.Diagnostics) []kratosclient.OIDCProvider {
	for _, p := range removed {
		err := client.DeleteIdentityCredentials(ctx, id, "oidc", p.Identifier())
		if kratosclient.IsLastFirstFactor(err) {
			diags.AddAttributeError(path.Root("login").AtName("oidc_providers"), "Last sign-in method",
				fmt.Sprintf("Kratos refused to unlink %s from identity %s: it is the identity's last first factor, and Kratos v25.4.0 and later "+
					"keep one. Add a password (login.password, login.password_wo or login.hashed_password) to the configuration: the same apply sets it before it unlinks.", p.Identifier(), id))
			return nil
		}
		if err != nil && !kratosclient.IsNotFound(err) {
			addClientError(diags, "Unable to Unlink Social Sign-in",
				fmt.Errorf("unlinking %s from identity %s: %w", p.Identifier(), id, err))
			return nil
		}
	}
	return removed
}

// dropOIDCIdentifiers removes unlinked providers from an identity returned before unlinking.
func dropOIDCIdentifiers(id *kratosclient.Identity, removed []kratosclient.OIDCProvider) {
	c, ok := id.Credentials["oidc"]
	if !ok || len(removed) == 0 {
		return
	}
	c.Identifiers = slices.DeleteFunc(slices.Clone(c.Identifiers), func(s string) bool {
		return slices.ContainsFunc(removed, func(p kratosclient.OIDCProvider) bool { return p.Identifier() == s })
	})
	id.Credentials["oidc"] = c
}

// Delete deletes the identity; one already gone counts as deleted.
func (r *identityResource) Delete(ctx context.Context, req resource.DeleteRequest, resp *resource.DeleteResponse) {
	var state identityResourceModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	client := r.data.clientOrError(&resp.Diagnostics)
	if resp.Diagnostics.HasError() {
		return
	}
	if err := client.DeleteIdentity(ctx, state.ID.ValueString()); err != nil && !kratosclient.IsNotFound(err) {
		addClientError(&resp.Diagnostics, "Unable to Delete Identity", err)
	}
}
