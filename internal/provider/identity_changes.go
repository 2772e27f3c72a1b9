package provider

import (
	"context"
	"slices"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/kratos-tf/terraform-provider-kratos/internal/kratosclient"
)

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
