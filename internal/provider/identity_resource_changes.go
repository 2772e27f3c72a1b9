package provider

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"

	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/kratos-tf/terraform-provider-kratos/internal/identityschema"
	"github.com/kratos-tf/terraform-provider-kratos/internal/kratosclient"
)

// identityChanges is what an update of kratos_identity sends, decided once from the prior
// state, the plan and the configuration: ModifyPlan marks unknown exactly the computed values
// it can change, and Update sends it. At plan time parts of the plan may be unknown; the
// matching *Unknown field then says that something may be sent.
type identityChanges struct {
	// patch turns the prior document (schema_id, state, traits, metadata) into the planned one;
	// nil when they are equal. A full update (credentials) carries the document instead.
	patch []kratosclient.PatchOp
	// documentUnknown is set when part of the planned document is unknown.
	documentUnknown bool
	// credentials are sent with one full update (PUT); nil when there are none.
	credentials *kratosclient.CredentialsImport
	// credentialsUnknown is set when a secret or the OIDC providers are unknown.
	credentialsUnknown bool
	// verify lists the managed addresses the prior state does not show verified.
	verify []string
	// verifyUnknown is set when verified_addresses is, wholly or in part, unknown.
	verifyUnknown bool
	// unlink lists the OIDC providers the plan drops.
	unlink []kratosclient.OIDCProvider
	// externalID is the external ID to set ("" removes it), nil when it stays as it is.
	externalID *string
	// externalIDUnknown is set when the planned external_id is unknown.
	externalIDUnknown bool
	// derived says which values Kratos derives from the traits may change.
	derived derivedChanges
}

// derivedChanges says which of the values Kratos derives from the traits and the state records
// may change: login identifiers (in credentials) and verifiable addresses.
type derivedChanges struct {
	identifiers, verifiable bool
}

// everything is the answer when the traits change and the schema that says what they derive
// is not known.
var everything = derivedChanges{identifiers: true, verifiable: true}

// computeIdentityChanges decides what an update sends. prior is nil on create (nothing is
// computed then). schema is the compiled identity schema of the planned schema_id, or nil when
// it is not known; without it every traits change may change every derived value.
func computeIdentityChanges(ctx context.Context, prior, plan, config *identityResourceModel, schema *jsonschema.Schema) (identityChanges, diag.Diagnostics) {
	var c identityChanges
	var diags diag.Diagnostics
	if prior == nil {
		return c, diags
	}
	c.documentUnknown = plan.Traits.IsUnknown() || plan.SchemaID.IsUnknown() || plan.State.IsUnknown() ||
		plan.MetadataPublic.IsUnknown() || plan.MetadataAdmin.IsUnknown()
	traitsChange := !plan.SchemaID.Equal(prior.SchemaID) || !jsonEquivalent(plan.Traits, prior.Traits)
	if !c.documentUnknown {
		ops, err := computeIdentityPatch(documentOf(prior), documentOf(plan))
		if err != nil {
			diags.AddAttributeError(path.Root("traits"), "Unable to Update Identity", "Could not compute the changes: "+err.Error())
			return c, diags
		}
		c.patch = ops
	}
	if traitsChange {
		c.derived = everything
		if schema != nil && plan.SchemaID.Equal(prior.SchemaID) && !plan.Traits.IsUnknown() {
			c.derived = derivedFrom(schema, prior.Traits.ValueString(), plan.Traits.ValueString())
		}
	}

	c.credentialsUnknown = plan.Password.IsUnknown() || plan.HashedPassword.IsUnknown() || plan.PasswordWOVersion.IsUnknown() ||
		config.PasswordWO.IsUnknown() || plan.OIDCProviders.IsUnknown()
	c.credentials = credentialsToSend(ctx, plan, config, prior, &diags)
	c.unlink = removedOIDCProviders(ctx, plan, prior, &diags)
	c.externalIDUnknown = plan.ExternalID.IsUnknown()
	if !c.externalIDUnknown && !plan.ExternalID.Equal(prior.ExternalID) {
		// The plan already resolved an omitted external_id (see externalIDPlan): null here means remove.
		value := plan.ExternalID.ValueString()
		c.externalID = &value
	}

	// verified_addresses omitted from the configuration keeps its recorded value unmanaged.
	if !config.VerifiedAddresses.IsNull() {
		c.verifyUnknown = plan.VerifiedAddresses.IsUnknown() || slices.ContainsFunc(plan.VerifiedAddresses.Elements(), attr.Value.IsUnknown)
		c.verify = unverified(stringSet(ctx, plan.VerifiedAddresses, &diags), verifiableAddressesFrom(ctx, prior.VerifiableAddresses, &diags))
	}
	return c, diags
}

// writes reports whether the update sends anything; when it does not (for example when only
// password is removed or verified_addresses shrinks), every computed value stays as it was.
func (c identityChanges) writes() bool {
	return len(c.patch) > 0 || c.documentUnknown || c.credentials != nil || c.credentialsUnknown ||
		len(c.verify) > 0 || c.verifyUnknown || len(c.unlink) > 0 || c.externalID != nil || c.externalIDUnknown
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

// addressesChange reports whether verifiable_addresses may change.
func (c identityChanges) addressesChange() bool {
	return c.derived.verifiable || len(c.verify) > 0 || c.verifyUnknown
}

// credentialsChange reports whether the credentials map (identifiers and versions) may change.
func (c identityChanges) credentialsChange() bool {
	return c.derived.identifiers || c.credentials != nil || c.credentialsUnknown || len(c.unlink) > 0
}

// derivedFrom compares what the identity schema derives from the prior and the planned traits.
func derivedFrom(schema *jsonschema.Schema, prior, planned string) derivedChanges {
	before, after := identityschema.MarkedValues(schema, prior), identityschema.MarkedValues(schema, planned)
	differ := func(kind func(identityschema.Mark) bool) bool {
		return !slices.Equal(markedKeys(before, kind), markedKeys(after, kind))
	}
	return derivedChanges{
		identifiers: differ(func(m identityschema.Mark) bool { return m.LoginIdentifier }),
		verifiable:  differ(func(m identityschema.Mark) bool { return m.Verifiable }),
	}
}

// markedKeys lists, sorted, where and which values of one kind of mark the traits hold.
func markedKeys(values []identityschema.MarkedValue, kind func(identityschema.Mark) bool) []string {
	var out []string
	for _, v := range values {
		if kind(v.Mark) {
			out = append(out, fmt.Sprintf("%s=%s", v.Pointer, v.Value))
		}
	}
	slices.Sort(out)
	return out
}

// removedOIDCProviders lists the OIDC providers the prior state has and a known plan dropped;
// a plan that omits oidc_providers manages none.
func removedOIDCProviders(ctx context.Context, plan, prior *identityResourceModel, diags *diag.Diagnostics) []kratosclient.OIDCProvider {
	if plan.OIDCProviders.IsUnknown() || plan.OIDCProviders.IsNull() {
		return nil
	}
	want, d := oidcProvidersFromSet(ctx, plan.OIDCProviders)
	diags.Append(d...)
	have, d := oidcProvidersFromSet(ctx, prior.OIDCProviders)
	diags.Append(d...)
	return oidcDifference(have, want)
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
