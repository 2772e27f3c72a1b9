package provider

import (
	"context"
	"encoding/json"
	"slices"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"

	"github.com/kratos-tf/terraform-provider-kratos/internal/kratosclient"
)

// identityChanges is what an update of kratos_identity sends, decided once from the prior
// state, the plan and the configuration, all known at apply time.
type identityChanges struct {
	// patch turns the prior document (schema_id, state, traits, metadata) into the planned one;
	// nil when they are equal. A full update (credentials) carries the document instead.
	patch []kratosclient.PatchOp
	// credentials are sent with one full update (PUT); nil when there are none.
	credentials *kratosclient.CredentialsImport
	// verify lists the managed addresses the prior state does not record as verified.
	verify []string
	// unlink lists the OIDC providers the plan drops.
	unlink []kratosclient.OIDCProvider
	// externalID is the external ID to set ("" removes it), nil when it stays as it is.
	externalID *string
}

// computeIdentityChanges decides what an update from prior to plan sends.
func computeIdentityChanges(ctx context.Context, prior, plan, config *identityResourceModel) (identityChanges, diag.Diagnostics) {
	var c identityChanges
	var diags diag.Diagnostics
	ops, err := computeIdentityPatch(documentOf(prior), documentOf(plan))
	if err != nil {
		diags.AddAttributeError(path.Root("traits"), "Unable to Update Identity", "Could not compute the changes: "+err.Error())
		return c, diags
	}
	c.patch = ops
	priorLogin, planLogin, configLogin := prior.login(ctx, &diags), plan.login(ctx, &diags), config.login(ctx, &diags)
	c.credentials = credentialsToSend(ctx, &planLogin, &configLogin, &priorLogin, &diags)
	c.unlink = removedOIDCProviders(ctx, &planLogin, &priorLogin, &diags)
	if !plan.ExternalID.Equal(prior.ExternalID) {
		// The plan already resolved an omitted external_id (see externalIDPlan): null here means remove.
		value := plan.ExternalID.ValueString()
		c.externalID = &value
	}
	// login.verified_addresses omitted from the configuration keeps its recorded value unmanaged.
	if !configLogin.VerifiedAddresses.IsNull() {
		c.verify = addressesNotIn(stringSet(ctx, planLogin.VerifiedAddresses, &diags), stringSet(ctx, priorLogin.VerifiedAddresses, &diags))
	}
	return c, diags
}

// externalIDOps returns the JSON Patch operation that sets the external ID, or nil when it stays.
// Kratos applies replace as add on a top-level field, so it works whether or not one is set; a
// null value removes it.
func (c identityChanges) externalIDOps() []kratosclient.PatchOp {
	if c.externalID == nil {
		return nil
	}
	value := json.RawMessage("null")
	if *c.externalID != "" {
		value, _ = json.Marshal(*c.externalID) // a string: cannot fail
	}
	return []kratosclient.PatchOp{{Op: "replace", Path: "/external_id", Value: value}}
}

// identityRequests are the requests an update of kratos_identity sends, in this order: a full
// update (PUT) when credentials change, one JSON Patch, and the unlinking of OIDC providers.
type identityRequests struct {
	// put replaces the identity's document, credentials and external ID; nil when no credentials
	// change. Its Kept fields are read from Kratos just before it is sent.
	put *kratosclient.UpdateIdentityBody
	// document is the patch of the document and the external ID; nil after a PUT, which carried them.
	document []kratosclient.PatchOp
	// verify lists the addresses to verify, in the same patch.
	verify []string
	// unlink are the OIDC providers to unlink.
	unlink []kratosclient.OIDCProvider
}

// requests returns what Update sends to turn the prior identity into plan.
func (c identityChanges) requests(plan *identityResourceModel) identityRequests {
	r := identityRequests{verify: c.verify, unlink: c.unlink}
	if c.credentials == nil {
		r.document = append(slices.Clone(c.patch), c.externalIDOps()...)
		return r
	}
	// A PUT replaces traits, metadata and external_id wholesale, so it carries the whole plan and
	// the document patch is not needed.
	r.put = &kratosclient.UpdateIdentityBody{
		SchemaID:       plan.SchemaID.ValueString(),
		Traits:         rawOrNil(plan.Traits),
		State:          plan.State.ValueString(),
		MetadataPublic: rawOrNil(plan.MetadataPublic),
		MetadataAdmin:  rawOrNil(plan.MetadataAdmin),
		Credentials:    c.credentials,
		ExternalID:     c.externalID,
	}
	return r
}

// patch is the JSON Patch to send, given the verifiable addresses as Kratos holds them then
// (after the PUT, when there is one): the document changes and the verifications.
func (r identityRequests) patch(current []kratosclient.VerifiableAddress) []kratosclient.PatchOp {
	return append(slices.Clone(r.document), verificationOps(current, r.verify)...)
}

// removedOIDCProviders lists the OIDC providers the prior state has and a known plan dropped;
// a plan that omits login.oidc_providers manages none.
func removedOIDCProviders(ctx context.Context, plan, prior *identityLoginModel, diags *diag.Diagnostics) []kratosclient.OIDCProvider {
	if plan.OIDCProviders.IsUnknown() || plan.OIDCProviders.IsNull() {
		return nil
	}
	want, d := oidcProvidersFromSet(ctx, plan.OIDCProviders)
	diags.Append(d...)
	have, d := oidcProvidersFromSet(ctx, prior.OIDCProviders)
	diags.Append(d...)
	return oidcDifference(have, want)
}

// credentialsToSend returns the credentials the planned login sends (a password or hash, and OIDC
// providers the state lacks), or nil when there are none. state is nil on create.
func credentialsToSend(ctx context.Context, plan, config, state *identityLoginModel, diags *diag.Diagnostics) *kratosclient.CredentialsImport {
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
func passwordImport(plan, config, state *identityLoginModel) *kratosclient.PasswordImport {
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
func addedOIDCProviders(ctx context.Context, plan, state *identityLoginModel, diags *diag.Diagnostics) []kratosclient.OIDCProvider {
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
