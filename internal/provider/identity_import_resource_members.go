package provider

import (
	"context"
	"encoding/json"

	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/kratos-tf/terraform-provider-kratos/internal/kratosclient"
)

// stringMap is a map of strings as a Terraform value.
func stringMap(m map[string]string) types.Map {
	elems := make(map[string]attr.Value, len(m))
	for k, v := range m {
		elems[k] = types.StringValue(v)
	}
	return types.MapValueMust(types.StringType, elems)
}

// importItems builds the items that create the members keys, in that order, for the resource self;
// native says Kratos has external IDs.
func importItems(ctx context.Context, members map[string]attr.Value, keys []string, self string, native bool, diags *diag.Diagnostics) []importItem {
	items := make([]importItem, 0, len(keys))
	for _, key := range keys {
		obj, ok := members[key].(types.Object)
		if !ok || !fullyKnown(ctx, obj) {
			diags.AddAttributeError(path.Root("identities").AtMapKey(key), "Member not known",
				"The member's value is not known at apply time. This is a bug in the provider or Terraform; please report it.")
			continue
		}
		body, verified := importBody(ctx, obj, diags)
		it, err := newImportItem(key, body, verified, self, native)
		if err != nil {
			diags.AddAttributeError(path.Root("identities").AtMapKey(key), "Unable to Import Identity", err.Error())
			continue
		}
		items = append(items, it)
	}
	return items
}

// importBody is the create body of a member, and the addresses it wants verified.
func importBody(ctx context.Context, obj types.Object, diags *diag.Diagnostics) (kratosclient.CreateIdentityBody, []string) {
	a := obj.Attributes()
	str := func(name string) string { s, _ := a[name].(types.String); return knownString(s) }
	raw := func(name string) json.RawMessage { v, _ := a[name].(jsonValue); return rawOrNil(v) }
	body := kratosclient.CreateIdentityBody{
		SchemaID: str("schema_id"), Traits: raw("traits"), State: str("state"),
		MetadataPublic: raw("metadata_public"), MetadataAdmin: raw("metadata_admin"), ExternalID: str("external_id"),
	}
	verifiedSet, _ := a["verified_addresses"].(types.Set)
	verified := stringSet(ctx, verifiedSet, diags)
	for _, addr := range verified {
		body.VerifiableAddresses = append(body.VerifiableAddresses, verifiedAddressImport(addr))
	}
	creds := &kratosclient.CredentialsImport{}
	switch {
	case str("password") != "":
		creds.Password = &kratosclient.PasswordImport{Config: kratosclient.PasswordImportConfig{Password: str("password")}}
	case str("hashed_password") != "":
		creds.Password = &kratosclient.PasswordImport{Config: kratosclient.PasswordImportConfig{HashedPassword: str("hashed_password")}}
	}
	providersSet, _ := a["oidc_providers"].(types.Set)
	providers, d := oidcProvidersFromSet(ctx, providersSet)
	diags.Append(d...)
	if len(providers) > 0 {
		creds.OIDC = &kratosclient.OIDCImport{Config: kratosclient.OIDCImportConfig{Providers: providers}}
	}
	if creds.Password != nil || creds.OIDC != nil {
		body.Credentials = creds
	}
	return body, verified
}

// memberIDs maps the identity IDs of ids to the members' keys.
func memberIDs(ids types.Map) map[string]string {
	out := make(map[string]string, len(ids.Elements()))
	for key, v := range ids.Elements() {
		if id := stringValue(v); id != "" {
			out[id] = key
		}
	}
	return out
}

// stringValue returns the value of a known string, or "".
func stringValue(v attr.Value) string {
	s, _ := v.(types.String)
	return knownString(s)
}

// fullyKnown reports whether v holds no unknown value at any depth.
func fullyKnown(ctx context.Context, v attr.Value) bool {
	tv, err := v.ToTerraformValue(ctx)
	return err == nil && tv.IsFullyKnown()
}
