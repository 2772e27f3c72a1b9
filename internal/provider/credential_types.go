package provider

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/hashicorp/terraform-plugin-framework-validators/setvalidator"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/kratos-tf/terraform-provider-kratos/internal/kratosclient"
)

var _ validator.Set = credentialTypesValidator{}

// Credential types that the credential operations delete.
const (
	credentialLookupSecret = "lookup_secret"
	credentialOIDC         = "oidc"
	credentialPassword     = "password"
	credentialSAML         = "saml"
	credentialTOTP         = "totp"
	credentialWebAuthn     = "webauthn"
)

// deletableCredentialTypes are the types the operations can delete, in the order they delete them:
// second factors first, then the first factors, so that a refusal of the last first factor comes
// after everything else was done.
var deletableCredentialTypes = []string{credentialLookupSecret, credentialTOTP, credentialWebAuthn, credentialOIDC, credentialSAML, credentialPassword}

// firstFactorTypes are the deletable types that Kratos v1.x refuses to delete (password) or does
// not know (saml); v25.4.0 and later delete them unless they are the identity's last first factor.
var firstFactorTypes = map[string]string{
	credentialPassword: "Kratos %s refuses to delete a password (HTTP 400 \"You cannot remove first factor credentials.\"); " +
		kratosclient.ExternalIDReleases + " delete it unless it is the identity's last sign-in method. " +
		"To stop an identity from signing in, set its state to \"inactive\" on kratos_identity and revoke its sessions; to replace the password, set a new one on kratos_identity.",
	credentialSAML: "Kratos %s has no SAML credentials; " + kratosclient.ExternalIDReleases + " unlink them.",
}

// refusedCredentialTypes say why each other credential type Kratos has cannot be deleted through
// its admin API, whatever the version; they are refused at plan time.
var refusedCredentialTypes = map[string]string{
	"code": "Kratos refuses to delete one-time-code credentials (HTTP 400): they are a first factor derived from the identity's addresses. " +
		"Change the addresses in the traits instead.",
	"passkey": "Kratos's admin API cannot delete passkeys (HTTP 400 \"Unknown credentials type passkey.\" on v1.3.1, " +
		"\"Credentials type passkey cannot be deleted.\" on v26). The user can remove a passkey in the self-service settings flow.",
}

// credentialTypesDescription describes the types attribute, from the lists the validators use.
func credentialTypesDescription() string {
	return "The credential types to delete: any of " + backquoted(deletableCredentialTypes) + ". " +
		"`totp` and `lookup_secret` remove the whole credential; `webauthn` removes only the second-factor security keys, " +
		"Kratos keeps passwordless WebAuthn keys; `oidc` unlinks the providers in `oidc_identifiers`, or every linked provider when that is not set; " +
		"`saml` unlinks every SAML connection. `password` and `saml` need " + kratosclient.ExternalIDReleases + " (on v1.3.1 they are refused at plan time), " +
		"and there Kratos refuses to delete an identity's last sign-in method (password, social or SAML sign-in): the apply then fails and says so. " +
		"A type the identity does not have gives a warning, not an error, so deleting twice is harmless. " +
		backquoted(slices.Sorted(mapKeys(refusedCredentialTypes))) + " cannot be deleted through Kratos's admin API and are refused at plan time."
}

// mapKeys yields the keys of m.
func mapKeys[V any](m map[string]V) func(func(string) bool) {
	return func(yield func(string) bool) {
		for k := range m {
			if !yield(k) {
				return
			}
		}
	}
}

// backquoted renders values as a comma-separated list of code spans.
func backquoted(values []string) string {
	quoted := make([]string, len(values))
	for i, v := range values {
		quoted[i] = "`" + v + "`"
	}
	return strings.Join(quoted, ", ")
}

// checkCredentialTypesForVersion refuses, on the element of types, the first-factor types that the
// Kratos behind the provider cannot delete. It reads the version only when such a type is chosen,
// so that other plans cost no request.
func checkCredentialTypesForVersion(ctx context.Context, data *providerData, chosen types.Set, diags *diag.Diagnostics) {
	if chosen.IsNull() || chosen.IsUnknown() || data == nil || data.client == nil {
		return
	}
	var versionDependent []types.String
	for _, e := range chosen.Elements() {
		if s, ok := e.(types.String); ok && !s.IsUnknown() && firstFactorTypes[s.ValueString()] != "" {
			versionDependent = append(versionDependent, s)
		}
	}
	if len(versionDependent) == 0 {
		return
	}
	version, ok := data.serverVersion(ctx, diags)
	if !ok || version.DeletesFirstFactors() {
		return
	}
	for _, s := range versionDependent {
		diags.AddAttributeError(path.Root("types").AtSetValue(s), "Credential type cannot be deleted on this Kratos",
			fmt.Sprintf("%q cannot be deleted: %s Remove it from types.", s.ValueString(), fmt.Sprintf(firstFactorTypes[s.ValueString()], version)))
	}
}

// addLastFirstFactorError explains Kratos's refusal to delete the identity's last sign-in method.
func addLastFirstFactorError(diags *diag.Diagnostics, id, typ string) {
	diags.AddAttributeError(path.Root("types"), "Last sign-in method",
		fmt.Sprintf("Kratos refused to delete the %s credential of identity %s: it is the identity's last first factor "+
			"(password, social or SAML sign-in), and an identity must keep one. Set another up first (for example a password on "+
			"kratos_identity), or, to stop the identity from signing in, set its state to \"inactive\" and revoke its sessions.", typ, id))
}

// credentialTypesValidator checks the types attribute: known credential types that Kratos can delete.
type credentialTypesValidator struct{}

// Description says which types are accepted.
func (credentialTypesValidator) Description(context.Context) string {
	return "each value must be one of " + strings.Join(deletableCredentialTypes, ", ")
}

// MarkdownDescription says which types are accepted.
func (v credentialTypesValidator) MarkdownDescription(ctx context.Context) string {
	return v.Description(ctx)
}

// ValidateSet reports each value that cannot be deleted, on that value.
func (credentialTypesValidator) ValidateSet(_ context.Context, req validator.SetRequest, resp *validator.SetResponse) {
	if req.ConfigValue.IsNull() || req.ConfigValue.IsUnknown() {
		return
	}
	for _, e := range req.ConfigValue.Elements() {
		s, ok := e.(types.String)
		if !ok || s.IsNull() || s.IsUnknown() || slices.Contains(deletableCredentialTypes, s.ValueString()) {
			continue
		}
		at := req.Path.AtSetValue(s)
		if why, refused := refusedCredentialTypes[s.ValueString()]; refused {
			resp.Diagnostics.AddAttributeError(at, "Credential type cannot be deleted",
				fmt.Sprintf("%q cannot be deleted: %s Remove it from types.", s.ValueString(), why))
			continue
		}
		resp.Diagnostics.AddAttributeError(at, "Unknown credential type",
			fmt.Sprintf("%q is not a credential type that can be deleted. Use one of %s (Kratos's names: lookup_secret, not lookup).",
				s.ValueString(), strings.Join(deletableCredentialTypes, ", ")))
	}
}

// credentialTypesValidators are the validators of the types attribute.
func credentialTypesValidators() []validator.Set {
	return []validator.Set{setvalidator.SizeAtLeast(1), credentialTypesValidator{}}
}
