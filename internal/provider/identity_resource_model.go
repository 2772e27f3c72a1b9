package provider

import (
	"context"
	"slices"

	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-framework/types/basetypes"

	"github.com/kratos-tf/terraform-provider-kratos/internal/identityschema"
	"github.com/kratos-tf/terraform-provider-kratos/internal/kratosclient"
)

// fill copies an identity from Kratos into the model: its document, its external ID and, when
// login records them, its linked social sign-ins; with refreshVerified, login's verified addresses
// keep only those Kratos still has verified. The rest of login stays as it is.
func (m *identityResourceModel) fill(ctx context.Context, id *kratosclient.Identity, refreshVerified bool) diag.Diagnostics {
	read, diags := flattenIdentityCore(id)
	m.ID = types.StringValue(id.ID)
	m.SchemaID, m.State, m.Traits, m.ExternalID = read.SchemaID, read.State, read.Traits, read.ExternalID
	// Kratos stores a JSON null as no metadata; a configured "null" stays as written.
	m.MetadataPublic = keepJSONNull(m.MetadataPublic, read.MetadataPublic)
	m.MetadataAdmin = keepJSONNull(m.MetadataAdmin, read.MetadataAdmin)
	if m.Login.IsNull() || m.Login.IsUnknown() {
		m.Login = types.ObjectNull(identityLoginAttrTypes)
		return diags
	}
	login := m.login(ctx, &diags)
	if !login.OIDCProviders.IsNull() {
		login.OIDCProviders = read.OIDCProviders
	}
	if refreshVerified {
		login.VerifiedAddresses = verifiedSubset(ctx, login.VerifiedAddresses, id, &diags)
	}
	m.setLogin(ctx, login, &diags)
	return diags
}

// keepJSONNull returns prior when it is the JSON text null and Kratos reports no value.
func keepJSONNull(prior, read jsonValue) jsonValue {
	if read.IsNull() && !prior.IsNull() && !prior.IsUnknown() && jsonEquivalent(prior, newJSONValue("null")) {
		return prior
	}
	return read
}

// verifiedSubset keeps the addresses of prior that Kratos lists as verified, in their configured spelling.
func verifiedSubset(ctx context.Context, prior types.Set, id *kratosclient.Identity, diags *diag.Diagnostics) types.Set {
	if prior.IsNull() || prior.IsUnknown() {
		return prior
	}
	var keep []attr.Value
	for _, a := range stringSet(ctx, prior, diags) {
		if slices.ContainsFunc(id.VerifiableAddresses, func(v kratosclient.VerifiableAddress) bool {
			return v.Verified && identityschema.NormalizeAddress(v.Value) == identityschema.NormalizeAddress(a)
		}) {
			keep = append(keep, types.StringValue(a))
		}
	}
	set, d := types.SetValue(types.StringType, keep)
	diags.Append(d...)
	return set
}

// identityResourceModel is the resource's state, plan and configuration.
type identityResourceModel struct {
	ID             types.String `tfsdk:"id"`
	SchemaID       types.String `tfsdk:"schema_id"`
	State          types.String `tfsdk:"state"`
	Traits         jsonValue    `tfsdk:"traits"`
	MetadataPublic jsonValue    `tfsdk:"metadata_public"`
	MetadataAdmin  jsonValue    `tfsdk:"metadata_admin"`
	ExternalID     types.String `tfsdk:"external_id"`
	Login          types.Object `tfsdk:"login"`
}

// identityLoginModel is the login attribute: how the identity signs in.
type identityLoginModel struct {
	Password          types.String `tfsdk:"password"`
	PasswordWO        types.String `tfsdk:"password_wo"`
	PasswordWOVersion types.Int64  `tfsdk:"password_wo_version"`
	HashedPassword    types.String `tfsdk:"hashed_password"`
	OIDCProviders     types.Set    `tfsdk:"oidc_providers"`
	VerifiedAddresses types.Set    `tfsdk:"verified_addresses"`
}

// identityLoginAttrTypes are the attribute types of login.
var identityLoginAttrTypes = map[string]attr.Type{
	"password":            types.StringType,
	"password_wo":         types.StringType,
	"password_wo_version": types.Int64Type,
	"hashed_password":     types.StringType,
	"oidc_providers":      types.SetType{ElemType: oidcProviderObjectType},
	"verified_addresses":  types.SetType{ElemType: types.StringType},
}

// login is the model's login attribute: every field is null when login is null, and unknown when it is unknown.
func (m *identityResourceModel) login(ctx context.Context, diags *diag.Diagnostics) identityLoginModel {
	switch {
	case m.Login.IsUnknown():
		return identityLoginModel{
			Password: types.StringUnknown(), PasswordWO: types.StringUnknown(), PasswordWOVersion: types.Int64Unknown(), HashedPassword: types.StringUnknown(),
			OIDCProviders: types.SetUnknown(oidcProviderObjectType), VerifiedAddresses: types.SetUnknown(types.StringType),
		}
	case m.Login.IsNull():
		return identityLoginModel{
			Password: types.StringNull(), PasswordWO: types.StringNull(), PasswordWOVersion: types.Int64Null(), HashedPassword: types.StringNull(),
			OIDCProviders: types.SetNull(oidcProviderObjectType), VerifiedAddresses: types.SetNull(types.StringType),
		}
	}
	var l identityLoginModel
	diags.Append(m.Login.As(ctx, &l, basetypes.ObjectAsOptions{})...)
	return l
}

// setLogin records l as the model's login attribute.
func (m *identityResourceModel) setLogin(ctx context.Context, l identityLoginModel, diags *diag.Diagnostics) {
	v, d := types.ObjectValueFrom(ctx, identityLoginAttrTypes, l)
	diags.Append(d...)
	m.Login = v
}
