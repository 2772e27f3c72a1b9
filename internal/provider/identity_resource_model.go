package provider

import (
	"context"
	"slices"

	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/kratos-tf/terraform-provider-kratos/internal/identityschema"
	"github.com/kratos-tf/terraform-provider-kratos/internal/kratosclient"
)

// fill copies an identity from Kratos into the model; verified becomes verified_addresses.
func (m *identityResourceModel) fill(_ context.Context, id *kratosclient.Identity, verified types.Set) diag.Diagnostics {
	read, diags := flattenIdentityCore(id)
	// Kratos stores a JSON null as no metadata; a configured "null" stays as written.
	read.MetadataPublic = keepJSONNull(m.MetadataPublic, read.MetadataPublic)
	read.MetadataAdmin = keepJSONNull(m.MetadataAdmin, read.MetadataAdmin)
	m.identityCore = read
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

// identityResourceModel is the resource's state, plan and configuration.
type identityResourceModel struct {
	identityCore
	ID                types.String `tfsdk:"id"`
	Password          types.String `tfsdk:"password"`
	PasswordWO        types.String `tfsdk:"password_wo"`
	PasswordWOVersion types.Int64  `tfsdk:"password_wo_version"`
	HashedPassword    types.String `tfsdk:"hashed_password"`
	VerifiedAddresses types.Set    `tfsdk:"verified_addresses"`
}
