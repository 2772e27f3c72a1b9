package provider

import (
	"context"
	"encoding/json"
	"maps"
	"slices"
	"sort"
	"strings"

	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/datasource/schema"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/kratos-tf/terraform-provider-kratos/internal/kratosclient"
)

// Attribute types of the nested objects.
var (
	// verifiableAddressReadAttrTypes are those of an address in the data sources.
	verifiableAddressReadAttrTypes = map[string]attr.Type{
		"value":    types.StringType,
		"via":      types.StringType,
		"verified": types.BoolType,
		"status":   types.StringType,
	}
	recoveryAddressAttrTypes = map[string]attr.Type{
		"value": types.StringType,
		"via":   types.StringType,
	}
	credentialAttrTypes = map[string]attr.Type{
		"identifiers": types.ListType{ElemType: types.StringType},
		"version":     types.Int64Type,
	}
	oidcProviderAttrTypes = map[string]attr.Type{
		"provider": types.StringType,
		"subject":  types.StringType,
	}
)

// Element types of the computed collections.
var (
	verifiableAddressReadObjectType = types.ObjectType{AttrTypes: verifiableAddressReadAttrTypes}
	recoveryAddressObjectType       = types.ObjectType{AttrTypes: recoveryAddressAttrTypes}
	credentialObjectType            = types.ObjectType{AttrTypes: credentialAttrTypes}
	oidcProviderObjectType          = types.ObjectType{AttrTypes: oidcProviderAttrTypes}
)

// Descriptions of the read-side attributes, shared by the resource and the data source.
const (
	descSchemaIDRead            = "ID of the identity schema the traits follow."
	descStateRead               = "Whether the identity can sign in: `active` or `inactive`."
	descTraitsRead              = "The identity's traits as a JSON document, shaped by its identity schema."
	descMetadataPublicRead      = "Metadata visible to the identity itself (in its session), as a JSON document; null when unset."
	descMetadataAdminRead       = "Metadata visible only through the admin API, as a JSON document; null when unset."
	descVerifiableAddressesRead = descVerifiableAddressesWhich +
		"Each has `value` (lowercased), `via` (`email` or `sms`), `verified` and `status` (`pending`, `sent` or `completed`)."
	descVerifiableAddressesWhich = "Addresses Kratos derived from the traits that can be verified, in the order Kratos stores them. "
	descRecoveryAddresses        = "Addresses Kratos derived from the traits that account recovery can use. " +
		"Each has `value` (lowercased) and `via` (always `email` in Kratos v1.3.1); Kratos keeps no verification state for them."
	descCredentials = "The identity's credentials by type (`password`, `oidc`, `code`, `totp`, `lookup_secret`, `webauthn`, `passkey`): " +
		"each with its `identifiers` (for example the login email, or `provider:subject` for oidc) and `version`. Secrets are never read."
	descOIDCProvidersRead = "Social sign-ins linked to the identity, from its `oidc` credential: each with `provider` and `subject`."
	descOrganizationID    = "ID of the organization the identity belongs to; null when it belongs to none. " +
		"Read-only: open-source Kratos has no organizations API; updates keep it as it is."
	descExternalIDRead = "ID linking the identity to another system (" + kratosclient.ExternalIDReleases + "; unique); null when unset."
	descCreatedAt      = "When the identity was created (RFC 3339)."
	descUpdatedAt      = "When the identity was last updated (RFC 3339). Kratos v1.3.1 sets it at creation only."
	descStateChangedAt = "When `state` last changed (RFC 3339)."
)

// identityCore holds the attributes that mirror what Kratos returns for an identity and that the
// kratos_identity resource keeps in its state; the data sources report them too, in
// identityReadSide, with more. Its tfsdk tags let the resource and data source models embed it.
//
// Shapes (verifiable_addresses, credentials and recovery_addresses are the data sources' only):
//   - verifiable_addresses: list of {value, via, verified, status}, in the order GET returns them
//     (by address ID): write responses list them in traits order.
//   - recovery_addresses: list of {value, via}; Kratos keeps no verification state for them.
//   - credentials: map from credential type (password, oidc, code, …) to {identifiers, version};
//     configs (hashes, tokens) are never read.
//   - oidc_providers: set of {provider, subject}, split from the oidc identifiers "provider:subject".
//   - traits and metadata: JSON text as Kratos returns it; null or absent metadata is null.
type identityCore struct {
	SchemaID       types.String `tfsdk:"schema_id"`
	State          types.String `tfsdk:"state"`
	Traits         jsonValue    `tfsdk:"traits"`
	MetadataPublic jsonValue    `tfsdk:"metadata_public"`
	MetadataAdmin  jsonValue    `tfsdk:"metadata_admin"`
	OIDCProviders  types.Set    `tfsdk:"oidc_providers"`
	// ExternalID and OrganizationID are null when Kratos reports none (always before v25.4.0).
	ExternalID     types.String `tfsdk:"external_id"`
	OrganizationID types.String `tfsdk:"organization_id"`
}

// identityReadSide is everything the data sources report about an identity: identityCore and
// what the resource leaves out of its state, because each byte of state is paid for at every
// resource of an apply and few configurations read these.
type identityReadSide struct {
	identityCore
	VerifiableAddresses types.List   `tfsdk:"verifiable_addresses"`
	Credentials         types.Map    `tfsdk:"credentials"`
	RecoveryAddresses   types.List   `tfsdk:"recovery_addresses"`
	CreatedAt           types.String `tfsdk:"created_at"`
	UpdatedAt           types.String `tfsdk:"updated_at"`
	StateChangedAt      types.String `tfsdk:"state_changed_at"`
}

// flattenIdentityReadSide maps an identity from Kratos to what the data sources report.
func flattenIdentityReadSide(_ context.Context, id *kratosclient.Identity) (identityReadSide, diag.Diagnostics) {
	core, diags := flattenIdentityCore(id)
	out := identityReadSide{
		identityCore:   core,
		CreatedAt:      optionalString(id.CreatedAt),
		UpdatedAt:      optionalString(id.UpdatedAt),
		StateChangedAt: optionalString(id.StateChangedAt),
	}
	va := make([]attr.Value, 0, len(id.VerifiableAddresses))
	for _, a := range sortedAddresses(id.VerifiableAddresses, func(a kratosclient.VerifiableAddress) string { return a.ID }) {
		v, d := types.ObjectValue(verifiableAddressReadAttrTypes, map[string]attr.Value{
			"value": types.StringValue(a.Value), "via": types.StringValue(a.Via), "verified": types.BoolValue(a.Verified), "status": types.StringValue(a.Status),
		})
		diags.Append(d...)
		va = append(va, v)
	}
	var d diag.Diagnostics
	out.VerifiableAddresses, d = types.ListValue(verifiableAddressReadObjectType, va)
	diags.Append(d...)

	creds := make(map[string]attr.Value, len(id.Credentials))
	for typ, c := range id.Credentials {
		ids := make([]attr.Value, 0, len(c.Identifiers))
		// Kratos orders identifiers differently in write responses and reads: sort for a stable value.
		for _, s := range slices.Sorted(slices.Values(c.Identifiers)) {
			ids = append(ids, types.StringValue(s))
		}
		list, d := types.ListValue(types.StringType, ids)
		diags.Append(d...)
		v, d := types.ObjectValue(credentialAttrTypes, map[string]attr.Value{
			"identifiers": list, "version": types.Int64Value(int64(c.Version)),
		})
		diags.Append(d...)
		creds[typ] = v
	}
	out.Credentials, d = types.MapValue(credentialObjectType, creds)
	diags.Append(d...)

	ra := make([]attr.Value, 0, len(id.RecoveryAddresses))
	for _, a := range sortedAddresses(id.RecoveryAddresses, func(a kratosclient.RecoveryAddress) string { return a.ID }) {
		v, d := types.ObjectValue(recoveryAddressAttrTypes, map[string]attr.Value{
			"value": types.StringValue(a.Value), "via": types.StringValue(a.Via),
		})
		diags.Append(d...)
		ra = append(ra, v)
	}
	out.RecoveryAddresses, d = types.ListValue(recoveryAddressObjectType, ra)
	diags.Append(d...)
	return out, diags
}

// flattenIdentityCore maps an identity from Kratos to the attributes of identityCore.
func flattenIdentityCore(id *kratosclient.Identity) (identityCore, diag.Diagnostics) {
	var diags diag.Diagnostics
	out := identityCore{
		SchemaID:       types.StringValue(id.SchemaID),
		State:          types.StringValue(id.State),
		Traits:         jsonFromRaw(id.Traits),
		MetadataPublic: jsonFromRaw(id.MetadataPublic),
		MetadataAdmin:  jsonFromRaw(id.MetadataAdmin),
		ExternalID:     optionalString(derefString(id.ExternalID)),
		OrganizationID: optionalString(derefString(id.OrganizationID)),
	}
	if out.Traits.IsNull() {
		out.Traits = newJSONValue("{}")
	}

	var d diag.Diagnostics
	out.OIDCProviders, d = oidcProvidersValue(identityOIDCProviders(id))
	diags.Append(d...)
	return out, diags
}

// identityOIDCProviders lists the linked social sign-ins from the oidc credential's
// identifiers, "provider:subject", split at the first colon; sorted for stable output.
func identityOIDCProviders(id *kratosclient.Identity) []kratosclient.OIDCProvider {
	c, ok := id.Credentials["oidc"]
	if !ok {
		return nil
	}
	out := make([]kratosclient.OIDCProvider, 0, len(c.Identifiers))
	for _, ident := range c.Identifiers {
		provider, subject, found := strings.Cut(ident, ":")
		if !found {
			continue
		}
		out = append(out, kratosclient.OIDCProvider{Provider: provider, Subject: subject})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Identifier() < out[j].Identifier() })
	return out
}

// oidcProvidersValue builds the oidc_providers set.
func oidcProvidersValue(ps []kratosclient.OIDCProvider) (types.Set, diag.Diagnostics) {
	var diags diag.Diagnostics
	elems := make([]attr.Value, 0, len(ps))
	for _, p := range ps {
		v, d := types.ObjectValue(oidcProviderAttrTypes, map[string]attr.Value{
			"provider": types.StringValue(p.Provider), "subject": types.StringValue(p.Subject),
		})
		diags.Append(d...)
		elems = append(elems, v)
	}
	set, d := types.SetValue(oidcProviderObjectType, elems)
	diags.Append(d...)
	return set, diags
}

// oidcProvidersFromSet reads the oidc_providers set; a null or unknown set yields nil.
func oidcProvidersFromSet(ctx context.Context, s types.Set) ([]kratosclient.OIDCProvider, diag.Diagnostics) {
	if s.IsNull() || s.IsUnknown() {
		return nil, nil
	}
	var elems []struct {
		Provider types.String `tfsdk:"provider"`
		Subject  types.String `tfsdk:"subject"`
	}
	diags := s.ElementsAs(ctx, &elems, false)
	out := make([]kratosclient.OIDCProvider, 0, len(elems))
	for _, e := range elems {
		out = append(out, kratosclient.OIDCProvider{Provider: e.Provider.ValueString(), Subject: e.Subject.ValueString()})
	}
	return out, diags
}

// jsonFromRaw turns a JSON value from Kratos into an attribute value; absent or null is null.
// It is re-encoded with sorted keys, as jsonencode writes them, so that the state does not
// depend on the database's key order (PostgreSQL's jsonb reorders keys); numbers keep the
// spelling Kratos returned.
func jsonFromRaw(raw json.RawMessage) jsonValue {
	s := strings.TrimSpace(string(raw))
	if s == "" || s == "null" {
		return newJSONNull()
	}
	if v, err := decodeJSON(s); err == nil {
		if out, err := encodeJSON(v); err == nil {
			return newJSONValue(string(out))
		}
	}
	return newJSONValue(s)
}

// Descriptions of the nested read-side attributes, shared by the resource and the data sources.
const (
	descAddressValue          = "The address, lowercased."
	descVerifiableAddressVia  = "The channel: `email` or `sms`."
	descAddressVerified       = "Whether the address is verified."
	descAddressStatus         = "Verification status: `pending`, `sent` or `completed`."
	descRecoveryAddressVia    = "The channel; always `email` in Kratos v1.3.1."
	descCredentialIdentifiers = "The credential's identifiers."
	descCredentialVersion     = "The credential's configuration version."
	descOIDCProvider          = "ID of the OIDC provider as configured in Kratos, for example `github`."
	descOIDCSubject           = "The user's subject (`sub` claim) at that provider."
)

// identityStates are the values Kratos accepts for an identity's state.
var identityStates = []string{"active", "inactive"}

// newIdentityItem maps an identity with its ID to an object value. It builds the object directly
// rather than through the framework's reflection, which costs twice the time for 10,000 identities.
func newIdentityItem(ctx context.Context, i *kratosclient.Identity) (types.Object, diag.Diagnostics) {
	rs, diags := flattenIdentityReadSide(ctx, i)
	obj, d := types.ObjectValue(identityItemAttrTypes, map[string]attr.Value{
		"id":                   types.StringValue(i.ID),
		"schema_id":            rs.SchemaID,
		"state":                rs.State,
		"traits":               rs.Traits,
		"metadata_public":      rs.MetadataPublic,
		"metadata_admin":       rs.MetadataAdmin,
		"verifiable_addresses": rs.VerifiableAddresses,
		"recovery_addresses":   rs.RecoveryAddresses,
		"credentials":          rs.Credentials,
		"oidc_providers":       rs.OIDCProviders,
		"external_id":          rs.ExternalID,
		"organization_id":      rs.OrganizationID,
		"created_at":           rs.CreatedAt,
		"updated_at":           rs.UpdatedAt,
		"state_changed_at":     rs.StateChangedAt,
	})
	diags.Append(d...)
	return obj, diags
}

// identityItemAttributes returns the computed attributes of an identity with its ID.
func identityItemAttributes() map[string]schema.Attribute {
	attrs := identityReadSideAttributes()
	attrs["id"] = schema.StringAttribute{Computed: true, MarkdownDescription: "The identity's ID (a UUID)."}
	return attrs
}

// identityReadSideAttributes returns the computed attributes of an identity's read side: those the
// kratos_identity resource exposes, recovery_addresses, the timestamps and each
// verifiable address's status.
func identityReadSideAttributes() map[string]schema.Attribute {
	str := func(desc string) schema.Attribute {
		return schema.StringAttribute{Computed: true, MarkdownDescription: desc}
	}
	jsonAttr := func(desc string) schema.Attribute {
		return schema.StringAttribute{Computed: true, CustomType: jsonValueType{}, MarkdownDescription: desc + " Decode it with `jsondecode()`."}
	}
	return map[string]schema.Attribute{
		"schema_id":       str(descSchemaIDRead),
		"state":           str(descStateRead),
		"traits":          jsonAttr(descTraitsRead),
		"metadata_public": jsonAttr(descMetadataPublicRead),
		"metadata_admin":  jsonAttr(descMetadataAdminRead),
		"verifiable_addresses": schema.ListNestedAttribute{
			Computed: true, MarkdownDescription: descVerifiableAddressesRead,
			NestedObject: schema.NestedAttributeObject{Attributes: addressAttributes(descVerifiableAddressVia, map[string]schema.Attribute{
				"verified": schema.BoolAttribute{Computed: true, MarkdownDescription: descAddressVerified},
				"status":   str(descAddressStatus),
			})},
		},
		"recovery_addresses": schema.ListNestedAttribute{
			Computed: true, MarkdownDescription: descRecoveryAddresses,
			NestedObject: schema.NestedAttributeObject{Attributes: addressAttributes(descRecoveryAddressVia, nil)},
		},
		"credentials": schema.MapNestedAttribute{
			Computed: true, MarkdownDescription: descCredentials,
			NestedObject: schema.NestedAttributeObject{Attributes: map[string]schema.Attribute{
				"identifiers": schema.ListAttribute{Computed: true, ElementType: types.StringType, MarkdownDescription: descCredentialIdentifiers},
				"version":     schema.Int64Attribute{Computed: true, MarkdownDescription: descCredentialVersion},
			}},
		},
		"oidc_providers": schema.SetNestedAttribute{
			Computed: true, MarkdownDescription: descOIDCProvidersRead,
			NestedObject: schema.NestedAttributeObject{Attributes: map[string]schema.Attribute{
				"provider": str(descOIDCProvider),
				"subject":  str(descOIDCSubject),
			}},
		},
		"external_id":      str(descExternalIDRead),
		"organization_id":  str(descOrganizationID),
		"created_at":       str(descCreatedAt),
		"updated_at":       str(descUpdatedAt),
		"state_changed_at": str(descStateChangedAt),
	}
}

// addressAttributes returns the computed attributes of an address: value, via (described by
// viaDescription) and more.
func addressAttributes(viaDescription string, more map[string]schema.Attribute) map[string]schema.Attribute {
	attrs := map[string]schema.Attribute{
		"value": schema.StringAttribute{Computed: true, MarkdownDescription: descAddressValue},
		"via":   schema.StringAttribute{Computed: true, MarkdownDescription: viaDescription},
	}
	maps.Copy(attrs, more)
	return attrs
}

// The types of an identity with its ID: an item of kratos_identities and the identity embedded in a session.
var (
	// identityItemAttrTypes are its attribute types.
	identityItemAttrTypes = attributeTypes(identityItemAttributes())
	// identityItemObjectType is the type of one identity with its ID, identityItemTerraformType its Terraform type.
	identityItemObjectType    = types.ObjectType{AttrTypes: identityItemAttrTypes}
	identityItemTerraformType = identityItemObjectType.TerraformType(context.Background())
)

// attributeTypes returns the types of schema attributes.
func attributeTypes(attrs map[string]schema.Attribute) map[string]attr.Type {
	out := make(map[string]attr.Type, len(attrs))
	for name, a := range attrs {
		out[name] = a.GetType()
	}
	return out
}

// descMetadataValues states the values metadata_public and metadata_admin accept (see metadataValidator).
const descMetadataValues = "It may be an object, array, string, boolean or null, but not a bare number, which Kratos v1.3.1 stores in a form it can no longer read. " +
	descNumbers

// descNumbers states how numbers in JSON attributes are compared and sent.
const descNumbers = "Numbers are compared and sent digit for digit, as Kratos stores them: `1.50` equals `1.5`, but `19.999999999999999999` is not `20`. "
