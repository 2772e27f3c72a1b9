package provider

import (
	"context"
	"encoding/json"
	"fmt"
	"regexp"
	"slices"
	"strings"

	"github.com/hashicorp/terraform-plugin-framework-validators/int64validator"
	"github.com/hashicorp/terraform-plugin-framework-validators/setvalidator"
	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/listplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/mapplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/setplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringdefault"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/kratos-tf/terraform-provider-kratos/internal/kratosclient"
)

var (
	_ resource.ResourceWithConfigure   = (*identityResource)(nil)
	_ resource.ResourceWithImportState = (*identityResource)(nil)
	_ resource.ResourceWithModifyPlan  = (*identityResource)(nil)
)

// identityStates are the values Kratos accepts for an identity's state.
var identityStates = []string{"active", "inactive"}

// descMetadataValues states the values metadata_public and metadata_admin accept (see metadataValidator).
const descMetadataValues = "It may be an object, array, string, boolean or null, but not a bare number, which Kratos v1.3.1 stores in a form it can no longer read. "

// NewIdentityResource returns the kratos_identity resource.
func NewIdentityResource() resource.Resource { return &identityResource{} }

// identityResource manages one Kratos identity.
type identityResource struct {
	data *providerData
}

// identityResourceModel is the resource's state, plan and configuration.
type identityResourceModel struct {
	identityReadSide
	ID                types.String `tfsdk:"id"`
	Password          types.String `tfsdk:"password"`
	PasswordWO        types.String `tfsdk:"password_wo"`
	PasswordWOVersion types.Int64  `tfsdk:"password_wo_version"`
	HashedPassword    types.String `tfsdk:"hashed_password"`
	VerifiedAddresses types.Set    `tfsdk:"verified_addresses"`
}

// Metadata names the resource type.
func (r *identityResource) Metadata(_ context.Context, req resource.MetadataRequest, resp *resource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_identity"
}

// Schema describes the resource.
func (r *identityResource) Schema(_ context.Context, _ resource.SchemaRequest, resp *resource.SchemaResponse) {
	useState := []planmodifier.String{stringplanmodifier.UseStateForUnknown()}
	resp.Schema = schema.Schema{
		MarkdownDescription: "Manages an identity in Ory Kratos: its traits, metadata, state and credentials " +
			"(a password in cleartext, write-only or hashed form, and linked social sign-ins), and which of its addresses are verified.\n\n" +
			"Updates are sent as one minimal JSON Patch; credentials that change are sent with one additional full update. " +
			"When `traits` and `schema_id` are known at plan time, the traits are validated against the identity schema fetched from Kratos.",
		Attributes: map[string]schema.Attribute{
			"id": schema.StringAttribute{
				Computed:            true,
				MarkdownDescription: "The identity's ID, a UUID chosen by Kratos.",
				PlanModifiers:       useState,
			},
			"schema_id": schema.StringAttribute{
				Optional: true,
				Computed: true,
				MarkdownDescription: "ID of the identity schema the traits follow. Defaults to Kratos's `identity.default_schema_id`. " +
					"Changing it updates the identity in place; the traits must then match the new schema. " +
					"Plan-time validation of the traits needs the schema ID, so it is skipped on create when this is omitted.",
				PlanModifiers: useState,
				Validators:    []validator.String{stringvalidator.LengthAtLeast(1)},
			},
			"traits": schema.StringAttribute{
				Required:      true,
				CustomType:    jsonValueType{},
				PlanModifiers: []planmodifier.String{keepEquivalentJSON{}},
				MarkdownDescription: "The identity's traits as a JSON object, shaped by the identity schema; write it with `jsonencode(...)`, a heredoc or `file()`. " +
					"Key order, whitespace and the spelling of numbers never cause a difference. " +
					"Kratos derives login identifiers and verifiable and recovery addresses from the traits.",
			},
			"state": schema.StringAttribute{
				Optional: true,
				Computed: true,
				Default:  stringdefault.StaticString(identityStates[0]),
				MarkdownDescription: fmt.Sprintf("Whether the identity can sign in: one of %s. Defaults to `%s`.",
					quotedList(identityStates), identityStates[0]),
				Validators: []validator.String{stringvalidator.OneOf(identityStates...)},
			},
			"metadata_public": schema.StringAttribute{
				Optional:      true,
				CustomType:    jsonValueType{},
				PlanModifiers: []planmodifier.String{keepEquivalentJSON{}},
				Validators:    []validator.String{metadataValidator{}},
				MarkdownDescription: "Metadata the identity can read (it is part of its session), as a JSON document. " +
					descMetadataValues +
					"Removing it from the configuration clears it in Kratos.",
			},
			"metadata_admin": schema.StringAttribute{
				Optional:      true,
				CustomType:    jsonValueType{},
				PlanModifiers: []planmodifier.String{keepEquivalentJSON{}},
				Validators:    []validator.String{metadataValidator{}},
				MarkdownDescription: "Metadata visible only through the admin API, as a JSON document. " +
					descMetadataValues +
					"Removing it from the configuration clears it in Kratos.",
			},
			"password": schema.StringAttribute{
				Optional:  true,
				Sensitive: true,
				MarkdownDescription: "Cleartext password, hashed by Kratos; sent on create and whenever it changes. " +
					"It is stored in the Terraform state (marked sensitive); prefer `password_wo` where the CLI supports it. " +
					"Kratos does not apply its password policy to imported passwords. Removing it leaves the current password in place. " +
					"Conflicts with `password_wo` and `hashed_password`.",
				Validators: []validator.String{
					stringvalidator.LengthAtLeast(1),
					stringvalidator.ConflictsWith(path.MatchRoot("password_wo"), path.MatchRoot("hashed_password")),
				},
			},
			"password_wo": schema.StringAttribute{
				Optional:  true,
				Sensitive: true,
				WriteOnly: true,
				MarkdownDescription: "Write-only cleartext password (Terraform 1.11 or later, OpenTofu 1.11 or later): never stored in the plan or state. " +
					"It is sent on create and whenever `password_wo_version` changes. Conflicts with `password` and `hashed_password`.",
				Validators: []validator.String{
					stringvalidator.LengthAtLeast(1),
					stringvalidator.ConflictsWith(path.MatchRoot("password"), path.MatchRoot("hashed_password")),
				},
			},
			"password_wo_version": schema.Int64Attribute{
				Optional: true,
				MarkdownDescription: "Any number; changing it re-sends `password_wo`. Terraform cannot see a write-only value change, " +
					"so bump this whenever you change `password_wo`.",
				Validators: []validator.Int64{int64validator.AlsoRequires(path.MatchRoot("password_wo"))},
			},
			"hashed_password": schema.StringAttribute{
				Optional:  true,
				Sensitive: true,
				MarkdownDescription: "An existing password hash to import, for migrating users from another system; sent on create and whenever it changes. " +
					"Kratos v1.3.1 accepts hashes that start with " + quotedList(hashPrefixDescriptions) + ". " +
					"Conflicts with `password` and `password_wo`.",
				Validators: []validator.String{
					hashedPasswordValidator{},
					hashBodyValidator{},
					stringvalidator.ConflictsWith(path.MatchRoot("password"), path.MatchRoot("password_wo")),
				},
			},
			"oidc_providers": schema.SetNestedAttribute{
				Optional: true,
				Computed: true,
				MarkdownDescription: "Social sign-ins (OpenID Connect) linked to the identity. Added entries are linked, removed entries are unlinked, " +
					"and an entry unlinked outside Terraform shows as a difference. When omitted, linked sign-ins are reported but not managed.",
				PlanModifiers: []planmodifier.Set{setplanmodifier.UseStateForUnknown()},
				NestedObject: schema.NestedAttributeObject{Attributes: map[string]schema.Attribute{
					"provider": schema.StringAttribute{
						Required:            true,
						MarkdownDescription: descOIDCProvider + " It cannot contain `:`.",
						Validators:          []validator.String{stringvalidator.LengthAtLeast(1), stringvalidator.RegexMatches(regexp.MustCompile(`^[^:]*$`), "must not contain a colon")},
					},
					"subject": schema.StringAttribute{
						Required:            true,
						MarkdownDescription: descOIDCSubject,
						Validators:          []validator.String{stringvalidator.LengthAtLeast(1)},
					},
				}},
			},
			"verified_addresses": schema.SetAttribute{
				Optional:    true,
				Computed:    true,
				ElementType: types.StringType,
				MarkdownDescription: "Addresses that must be verified, out of those Kratos derives from the traits (see `verifiable_addresses`); " +
					"compared case-insensitively. They are marked verified on create and on update. Listing an address the traits do not produce " +
					"is an error naming it. An address un-verified outside Terraform shows as a difference. Removing an address from this set does not un-verify it. " +
					"Import fills it with every verified address; when it is omitted, the last value is kept and nothing is managed.",
				PlanModifiers: []planmodifier.Set{priorWhenUnconfigured{}},
				Validators:    []validator.Set{setvalidator.ValueStringsAre(stringvalidator.LengthAtLeast(1))},
			},
			// The read-only lists and map hold plain objects, not nested attributes: Terraform 1.5's
			// plan -generate-config-out crashes on a computed-only nested attribute.
			"verifiable_addresses": schema.ListAttribute{
				Computed:            true,
				ElementType:         verifiableAddressObjectType,
				MarkdownDescription: descVerifiableAddresses,
				PlanModifiers:       []planmodifier.List{listplanmodifier.UseStateForUnknown()},
			},
			"recovery_addresses": schema.ListAttribute{
				Computed:            true,
				ElementType:         recoveryAddressObjectType,
				MarkdownDescription: descRecoveryAddresses,
				PlanModifiers:       []planmodifier.List{listplanmodifier.UseStateForUnknown()},
			},
			"credentials": schema.MapAttribute{
				Computed:            true,
				ElementType:         credentialObjectType,
				MarkdownDescription: descCredentials,
				PlanModifiers:       []planmodifier.Map{mapplanmodifier.UseStateForUnknown()},
			},
			"organization_id":  schema.StringAttribute{Computed: true, MarkdownDescription: descOrganizationID, PlanModifiers: useState},
			"created_at":       schema.StringAttribute{Computed: true, MarkdownDescription: descCreatedAt, PlanModifiers: useState},
			"updated_at":       schema.StringAttribute{Computed: true, MarkdownDescription: descUpdatedAt, PlanModifiers: useState},
			"state_changed_at": schema.StringAttribute{Computed: true, MarkdownDescription: descStateChangedAt, PlanModifiers: useState},
		},
	}
}

// Configure keeps the provider data.
func (r *identityResource) Configure(_ context.Context, req resource.ConfigureRequest, resp *resource.ConfigureResponse) {
	r.data = providerDataFrom(req.ProviderData, &resp.Diagnostics)
}

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

// credentialsToSend returns the credentials the plan sends (a password or hash, and OIDC
// providers the state lacks), or nil when there are none. state is nil on create.
func credentialsToSend(ctx context.Context, plan, config, state *identityResourceModel, diags *diag.Diagnostics) *kratosclient.CredentialsImport {
	creds := &kratosclient.CredentialsImport{Password: passwordImport(plan, config, state)}
	if ps := addedOIDCProviders(ctx, plan, state, diags); len(ps) > 0 {
		creds.OIDC = &kratosclient.OIDCImport{Config: kratosclient.OIDCImportConfig{Providers: ps}}
	}
	if creds.Password == nil && creds.OIDC == nil {
		return nil
	}
	return creds
}

// passwordImport returns the password credential to send, or nil. With no prior state
// (create) any configured form is sent.
func passwordImport(plan, config, state *identityResourceModel) *kratosclient.PasswordImport {
	switch {
	case !plan.Password.IsNull() && !plan.Password.IsUnknown() && (state == nil || !plan.Password.Equal(state.Password)):
		return &kratosclient.PasswordImport{Config: kratosclient.PasswordImportConfig{Password: plan.Password.ValueString()}}
	case !plan.HashedPassword.IsNull() && !plan.HashedPassword.IsUnknown() && (state == nil || !plan.HashedPassword.Equal(state.HashedPassword)):
		return &kratosclient.PasswordImport{Config: kratosclient.PasswordImportConfig{HashedPassword: plan.HashedPassword.ValueString()}}
	case !config.PasswordWO.IsNull() && !config.PasswordWO.IsUnknown() && (state == nil || !plan.PasswordWOVersion.Equal(state.PasswordWOVersion)):
		return &kratosclient.PasswordImport{Config: kratosclient.PasswordImportConfig{Password: config.PasswordWO.ValueString()}}
	}
	return nil
}

// addedOIDCProviders lists the providers in the plan that the state lacks.
func addedOIDCProviders(ctx context.Context, plan, state *identityResourceModel, diags *diag.Diagnostics) []kratosclient.OIDCProvider {
	want, d := oidcProvidersFromSet(ctx, plan.OIDCProviders)
	diags.Append(d...)
	var have []kratosclient.OIDCProvider
	if state != nil {
		have, d = oidcProvidersFromSet(ctx, state.OIDCProviders)
		diags.Append(d...)
	}
	return oidcDifference(want, have)
}

// oidcDifference returns the providers of a that b lacks.
func oidcDifference(a, b []kratosclient.OIDCProvider) []kratosclient.OIDCProvider {
	var out []kratosclient.OIDCProvider
	for _, p := range a {
		if !slices.Contains(b, p) {
			out = append(out, p)
		}
	}
	return out
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
	want := stringSet(ctx, plan.VerifiedAddresses, &resp.Diagnostics)
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
	body.Credentials = credentialsToSend(ctx, &plan, &config, nil, &resp.Diagnostics)
	if resp.Diagnostics.HasError() {
		return
	}

	created, err := client.CreateIdentity(ctx, body)
	if kratosclient.MayHaveBeenApplied(err) {
		created, err = r.recoverLostCreate(ctx, client, body, err)
	}
	if err != nil {
		r.addWriteError(ctx, &resp.Diagnostics, "Unable to Create Identity", "", body.SchemaID, body.Traits, err)
		return
	}
	resp.Diagnostics.Append(plan.fill(ctx, created, plan.VerifiedAddresses)...)
	resp.Diagnostics.Append(resp.State.Set(ctx, &plan)...)
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
	// Traits are required, so a state without them has just been imported: it records every
	// verified address, which a configuration listing them then matches.
	verified := state.VerifiedAddresses
	if state.Traits.IsNull() {
		verified = allVerified(id, &resp.Diagnostics)
	} else {
		verified = verifiedSubset(ctx, verified, id, &resp.Diagnostics)
	}
	resp.Diagnostics.Append(state.fill(ctx, id, verified)...)
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
	// A value kept from the state while the configuration omits it is not managed.
	want := stringSet(ctx, config.VerifiedAddresses, &resp.Diagnostics)
	current := verifiableAddressesFrom(ctx, state.VerifiableAddresses, &resp.Diagnostics)
	ops, err := computeIdentityPatch(documentOf(&state), documentOf(&plan))
	if err != nil {
		resp.Diagnostics.AddAttributeError(path.Root("traits"), "Unable to Update Identity", "Could not compute the changes: "+err.Error())
	}
	if resp.Diagnostics.HasError() {
		return
	}

	var result *kratosclient.Identity
	if creds := credentialsToSend(ctx, &plan, &config, &state, &resp.Diagnostics); creds != nil {
		// PUT replaces traits and metadata wholesale, so it carries the whole plan and the patch is not needed.
		body := kratosclient.UpdateIdentityBody{
			SchemaID:       plan.SchemaID.ValueString(),
			Traits:         rawOrNil(plan.Traits),
			State:          plan.State.ValueString(),
			MetadataPublic: rawOrNil(plan.MetadataPublic),
			MetadataAdmin:  rawOrNil(plan.MetadataAdmin),
			Credentials:    creds,
		}
		result, err = client.UpdateIdentity(ctx, id, body)
		if err != nil {
			r.addWriteError(ctx, &resp.Diagnostics, "Unable to Update Identity", id, body.SchemaID, body.Traits, err)
			return
		}
		// The verification patch lists the addresses in the order Kratos reads them from its
		// database (by ID), so that each keeps its ID; the PUT answer lists them in trait order.
		current, ops = sortedAddresses(result.VerifiableAddresses, func(a kratosclient.VerifiableAddress) string { return a.ID }), nil
	}
	ops = append(ops, verificationOps(current, want)...)
	if len(ops) > 0 {
		result, err = client.PatchIdentity(ctx, id, ops)
		if err != nil {
			r.addWriteError(ctx, &resp.Diagnostics, "Unable to Update Identity", id, plan.SchemaID.ValueString(), json.RawMessage(plan.Traits.ValueString()), err)
			return
		}
	}

	removed := unlinkRemovedOIDC(ctx, client, id, &plan, &state, &resp.Diagnostics)
	if resp.Diagnostics.HasError() {
		return
	}
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
		plan.UpdatedAt = state.UpdatedAt
		plan.VerifiableAddresses, plan.RecoveryAddresses, plan.Credentials = state.VerifiableAddresses, state.RecoveryAddresses, state.Credentials
		plan.StateChangedAt = state.StateChangedAt
		resp.Diagnostics.Append(resp.State.Set(ctx, &plan)...)
		return
	}
	resp.Diagnostics.Append(plan.fill(ctx, result, plan.VerifiedAddresses)...)
	resp.Diagnostics.Append(resp.State.Set(ctx, &plan)...)
	checkVerified(result, want, &resp.Diagnostics)
}

// unlinkRemovedOIDC deletes the OIDC providers the state has and the plan dropped.
func unlinkRemovedOIDC(ctx context.Context, client *kratosclient.Client, id string, plan, state *identityResourceModel, diags *diag.Diagnostics) []kratosclient.OIDCProvider {
	if plan.OIDCProviders.IsUnknown() || plan.OIDCProviders.IsNull() {
		return nil
	}
	want, d := oidcProvidersFromSet(ctx, plan.OIDCProviders)
	diags.Append(d...)
	have, d := oidcProvidersFromSet(ctx, state.OIDCProviders)
	diags.Append(d...)
	removed := oidcDifference(have, want)
	for _, p := range removed {
		err := client.DeleteIdentityCredentials(ctx, id, "oidc", p.Identifier())
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

// fill copies an identity from Kratos into the model; verified becomes verified_addresses.
func (m *identityResourceModel) fill(ctx context.Context, id *kratosclient.Identity, verified types.Set) diag.Diagnostics {
	read, diags := flattenIdentityReadSide(ctx, id)
	// Kratos stores a JSON null as no metadata; a configured "null" stays as written.
	read.MetadataPublic = keepJSONNull(m.MetadataPublic, read.MetadataPublic)
	read.MetadataAdmin = keepJSONNull(m.MetadataAdmin, read.MetadataAdmin)
	m.identityReadSide = read
	m.ID = types.StringValue(id.ID)
	m.VerifiedAddresses = verified
	return diags
}

// keepJSONNull returns prior when it is the JSON text null and Kratos reports no value.
func keepJSONNull(prior, read jsonValue) jsonValue {
	if read.IsNull() && !prior.IsNull() && !prior.IsUnknown() && jsonEquivalent(prior, newJSONValue("null")) {
		return prior
	}
	return read
}

// documentOf is the part of the model a JSON Patch changes.
func documentOf(m *identityResourceModel) identityDocument {
	return identityDocument{
		SchemaID:       knownString(m.SchemaID),
		State:          knownString(m.State),
		Traits:         m.Traits.ValueString(),
		MetadataPublic: m.MetadataPublic.ValueString(),
		MetadataAdmin:  m.MetadataAdmin.ValueString(),
	}
}

// checkVerified adds an error for each wanted address that Kratos does not list as verified.
func checkVerified(id *kratosclient.Identity, want []string, diags *diag.Diagnostics) {
	var missing []string
	for _, w := range want {
		found := slices.ContainsFunc(id.VerifiableAddresses, func(a kratosclient.VerifiableAddress) bool {
			return a.Verified && normalizeAddress(a.Value) == normalizeAddress(w)
		})
		if !found {
			missing = append(missing, w)
		}
	}
	if len(missing) == 0 {
		return
	}
	have := make([]string, 0, len(id.VerifiableAddresses))
	for _, a := range id.VerifiableAddresses {
		have = append(have, a.Value)
	}
	diags.AddAttributeError(path.Root("verified_addresses"), "Address not produced by the traits",
		fmt.Sprintf("Kratos did not keep %s verified: only addresses derived from the traits through the identity schema's "+
			"verification settings can be verified, and identity %s has %s. Fix the traits or remove the address from verified_addresses.",
			quotedList(missing), id.ID, describeAddresses(have)))
}

// verifiedSubset keeps the addresses of prior that Kratos lists as verified, in their configured spelling.
func verifiedSubset(ctx context.Context, prior types.Set, id *kratosclient.Identity, diags *diag.Diagnostics) types.Set {
	if prior.IsNull() || prior.IsUnknown() {
		return prior
	}
	var keep []attr.Value
	for _, a := range stringSet(ctx, prior, diags) {
		if slices.ContainsFunc(id.VerifiableAddresses, func(v kratosclient.VerifiableAddress) bool {
			return v.Verified && normalizeAddress(v.Value) == normalizeAddress(a)
		}) {
			keep = append(keep, types.StringValue(a))
		}
	}
	set, d := types.SetValue(types.StringType, keep)
	diags.Append(d...)
	return set
}

// priorWhenUnconfigured plans a set that the configuration omits as its prior value (null on
// create), so that an omitted optional and computed set never shows as a change.
type priorWhenUnconfigured struct{}

// Description says what the modifier does.
func (priorWhenUnconfigured) Description(context.Context) string {
	return "When the configuration omits the value, the prior value is kept (null on create)."
}

// MarkdownDescription says what the modifier does.
func (m priorWhenUnconfigured) MarkdownDescription(ctx context.Context) string {
	return m.Description(ctx)
}

// PlanModifySet keeps the prior value when the configuration has none.
func (priorWhenUnconfigured) PlanModifySet(_ context.Context, req planmodifier.SetRequest, resp *planmodifier.SetResponse) {
	if req.ConfigValue.IsNull() && resp.PlanValue.IsUnknown() {
		resp.PlanValue = req.StateValue
	}
}

// allVerified is the set of an identity's verified addresses.
func allVerified(id *kratosclient.Identity, diags *diag.Diagnostics) types.Set {
	var values []attr.Value
	for _, a := range id.VerifiableAddresses {
		if a.Verified {
			values = append(values, types.StringValue(a.Value))
		}
	}
	set, d := types.SetValue(types.StringType, values)
	diags.Append(d...)
	return set
}

// verifiableAddressesFrom reads the verifiable_addresses list of a model.
func verifiableAddressesFrom(ctx context.Context, l types.List, diags *diag.Diagnostics) []kratosclient.VerifiableAddress {
	if l.IsNull() || l.IsUnknown() {
		return nil
	}
	var elems []struct {
		Value    types.String `tfsdk:"value"`
		Via      types.String `tfsdk:"via"`
		Verified types.Bool   `tfsdk:"verified"`
		Status   types.String `tfsdk:"status"`
	}
	diags.Append(l.ElementsAs(ctx, &elems, false)...)
	out := make([]kratosclient.VerifiableAddress, 0, len(elems))
	for _, e := range elems {
		out = append(out, kratosclient.VerifiableAddress{Value: e.Value.ValueString(), Via: e.Via.ValueString(), Verified: e.Verified.ValueBool(), Status: e.Status.ValueString()})
	}
	return out
}

// stringSet reads the known elements of a set of strings, sorted; null or unknown gives nil.
func stringSet(ctx context.Context, s types.Set, diags *diag.Diagnostics) []string {
	if s.IsNull() || s.IsUnknown() {
		return nil
	}
	var elems []types.String
	diags.Append(s.ElementsAs(ctx, &elems, false)...)
	out := make([]string, 0, len(elems))
	for _, e := range elems {
		if !e.IsNull() && !e.IsUnknown() {
			out = append(out, e.ValueString())
		}
	}
	slices.Sort(out)
	return out
}

// jsonEquivalent compares two JSON attribute values semantically; null equals only null.
func jsonEquivalent(a, b jsonValue) bool {
	if a.IsNull() || b.IsNull() || a.IsUnknown() || b.IsUnknown() {
		return a.Equal(b)
	}
	eq, err := jsonSemanticEqual(a.ValueString(), b.ValueString())
	return err == nil && eq
}

// rawOrNil returns a known JSON value as canonical raw JSON, or nil.
func rawOrNil(v jsonValue) json.RawMessage {
	if v.IsNull() || v.IsUnknown() {
		return nil
	}
	return canonicalJSON(v.ValueString())
}

// knownString returns a known string's value, or "".
func knownString(s types.String) string {
	if s.IsNull() || s.IsUnknown() {
		return ""
	}
	return s.ValueString()
}

// quotedList renders values as `a`, `b` or `c`.
func quotedList(values []string) string {
	q := make([]string, len(values))
	for i, v := range values {
		q[i] = "`" + v + "`"
	}
	switch len(q) {
	case 0:
		return ""
	case 1:
		return q[0]
	default:
		return strings.Join(q[:len(q)-1], ", ") + " or " + q[len(q)-1]
	}
}

// describeAddresses renders the addresses an identity has, or says it has none.
func describeAddresses(values []string) string {
	if len(values) == 0 {
		return "no verifiable addresses"
	}
	return "only " + quotedList(values)
}
