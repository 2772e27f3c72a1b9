package provider

import (
	"context"
	"encoding/json"
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

var _ validator.Set = oidcIdentifiersNeedOIDC{}

// credentialsDeletionInput is the configuration of kratos_delete_credentials, shared by kratos_credentials_deletion.
type credentialsDeletionInput struct {
	IdentityID      types.String `tfsdk:"identity_id"`
	Types           types.Set    `tfsdk:"types"`
	OIDCIdentifiers types.Set    `tfsdk:"oidc_identifiers"`
}

// webAuthnConfig is the part of a webauthn credential's config that tells its key kinds apart.
type webAuthnConfig struct {
	Credentials []struct {
		IsPasswordless bool `json:"is_passwordless"`
	} `json:"credentials"`
}

// deleteCredentials deletes the chosen credential types of an identity and returns the types of
// which something was deleted. A type the identity lacks is a warning.
func deleteCredentials(ctx context.Context, client *kratosclient.Client, in credentialsDeletionInput, progress progressFunc, diags *diag.Diagnostics) []string {
	id := in.IdentityID.ValueString()
	var chosen, oidcIdentifiers []string
	diags.Append(in.Types.ElementsAs(ctx, &chosen, false)...)
	if !in.OIDCIdentifiers.IsNull() {
		diags.Append(in.OIDCIdentifiers.ElementsAs(ctx, &oidcIdentifiers, false)...)
	}
	if diags.HasError() {
		return nil
	}
	var include []string
	if slices.Contains(chosen, credentialWebAuthn) {
		include = append(include, credentialWebAuthn) // its config tells second-factor keys from passwordless ones
	}
	if slices.Contains(chosen, credentialPassword) {
		// A deleted password stays listed with an emptied config: only the config tells. The hash
		// it holds otherwise is read into memory and dropped, never logged or stored.
		include = append(include, credentialPassword)
	}
	identity, err := client.GetIdentity(ctx, id, include...)
	if err != nil {
		addIdentityError(diags, "Unable to Delete Credentials", id, err)
		return nil
	}

	deleted := []string{}
	for _, typ := range deletableCredentialTypes {
		if !slices.Contains(chosen, typ) {
			continue
		}
		cred, has := identity.Credentials[typ]
		if typ == credentialPassword {
			has = has && hasPasswordSecret(cred)
		}
		var ok bool
		switch {
		case typ == credentialOIDC:
			ok = unlinkFederated(ctx, client, id, typ, cred.Identifiers, oidcIdentifiers, progress, diags)
		case typ == credentialSAML:
			ok = unlinkFederated(ctx, client, id, typ, cred.Identifiers, nil, progress, diags)
		case !has:
			addMissingCredential(diags, id, typ)
		case typ == credentialWebAuthn:
			ok = deleteWebAuthn(ctx, client, id, cred, progress, diags)
		default:
			ok = deleteCredential(ctx, client, id, typ, "", diags)
			if ok {
				progress(ctx, fmt.Sprintf("Deleted the %s credential of identity %s.", typ, id))
			}
		}
		if diags.HasError() {
			return nil
		}
		if ok {
			deleted = append(deleted, typ)
		}
	}
	if len(deleted) == 0 {
		progress(ctx, fmt.Sprintf("Identity %s had none of the credentials to delete; nothing changed.", id))
	}
	return deleted
}

// hasPasswordSecret reports whether a password credential read with its config still holds a
// hash or a migration hook: Kratos v25.4.0 and later empty the config when they delete a password.
func hasPasswordSecret(c kratosclient.Credentials) bool {
	var cfg struct {
		HashedPassword           string `json:"hashed_password"`
		UsePasswordMigrationHook bool   `json:"use_password_migration_hook"`
	}
	return len(c.Config) == 0 || (json.Unmarshal(c.Config, &cfg) == nil && (cfg.HashedPassword != "" || cfg.UsePasswordMigrationHook))
}

// unlinkFederated unlinks the wanted providers of an oidc or saml credential (every linked one
// when wanted is empty) and reports whether it unlinked any.
func unlinkFederated(ctx context.Context, client *kratosclient.Client, id, typ string, linked, wanted []string, progress progressFunc, diags *diag.Diagnostics) bool {
	if len(linked) == 0 {
		// Kratos keeps an empty credential when the last provider is unlinked.
		addMissingCredential(diags, id, typ)
		return false
	}
	if len(wanted) == 0 {
		wanted = linked
	}
	unlinked := 0
	for _, identifier := range slices.Sorted(slices.Values(wanted)) {
		if !slices.Contains(linked, identifier) {
			diags.AddAttributeWarning(path.Root("oidc_identifiers"), "OIDC provider not linked",
				fmt.Sprintf("Identity %s has no linked provider %s, so there was nothing to unlink (linked: %s). "+
					"If it was unlinked before, remove it from oidc_identifiers.", id, identifier, strings.Join(linked, ", ")))
			continue
		}
		if !deleteCredential(ctx, client, id, typ, identifier, diags) {
			if diags.HasError() {
				return false
			}
			continue
		}
		unlinked++
		progress(ctx, fmt.Sprintf("Unlinked %s provider %s from identity %s.", strings.ToUpper(typ), identifier, id))
	}
	return unlinked > 0
}

// deleteWebAuthn deletes the second-factor WebAuthn keys; Kratos keeps passwordless ones.
func deleteWebAuthn(ctx context.Context, client *kratosclient.Client, id string, cred kratosclient.Credentials, progress progressFunc, diags *diag.Diagnostics) bool {
	var cfg webAuthnConfig
	if err := json.Unmarshal(cred.Config, &cfg); err != nil {
		cfg.Credentials = nil // unknown shape: let Kratos decide
	}
	mfa, passwordless := 0, 0
	for _, k := range cfg.Credentials {
		if k.IsPasswordless {
			passwordless++
		} else {
			mfa++
		}
	}
	if mfa == 0 && passwordless > 0 {
		diags.AddAttributeWarning(path.Root("types"), "No second-factor WebAuthn keys",
			fmt.Sprintf("Identity %s has only passwordless WebAuthn keys (%d), which Kratos's admin API does not delete, so nothing was deleted. "+
				"The user can remove them in the self-service settings flow.", id, passwordless))
		return false
	}
	if !deleteCredential(ctx, client, id, credentialWebAuthn, "", diags) {
		return false
	}
	kept := ""
	if passwordless > 0 {
		kept = fmt.Sprintf("; Kratos kept its %d passwordless keys", passwordless)
	}
	progress(ctx, fmt.Sprintf("Deleted the second-factor WebAuthn keys of identity %s%s.", id, kept))
	return true
}

// deleteCredential makes one DELETE call and reports whether it deleted something. A 404 means
// the credential went away since the identity was read: a warning, like a type it never had.
func deleteCredential(ctx context.Context, client *kratosclient.Client, id, typ, identifier string, diags *diag.Diagnostics) bool {
	err := client.DeleteIdentityCredentials(ctx, id, typ, identifier)
	switch {
	case err == nil:
		return true
	case kratosclient.IsNotFound(err):
		addMissingCredential(diags, id, typ)
	case kratosclient.IsLastFirstFactor(err):
		addLastFirstFactorError(diags, id, typ)
	default:
		addClientError(diags, "Unable to Delete Credentials", err)
	}
	return false
}

// addMissingCredential warns that the identity has no credential of the type.
func addMissingCredential(diags *diag.Diagnostics, id, typ string) {
	diags.AddAttributeWarning(path.Root("types"), "Credential not set up",
		fmt.Sprintf("Identity %s has no %s credential, so there was nothing to delete. That is expected when it was deleted before "+
			"or the user never set it up; remove %q from types to silence this warning.", id, typ, typ))
}

// oidcIdentifiersValidators are the validators of the oidc_identifiers attribute.
func oidcIdentifiersValidators() []validator.Set {
	return []validator.Set{
		setvalidator.SizeAtLeast(1),
		setvalidator.ValueStringsAre(knownStringValidator[oidcIdentifierRule]{}),
		oidcIdentifiersNeedOIDC{},
	}
}

// oidcIdentifierRule accepts provider:subject, both parts non-empty.
type oidcIdentifierRule struct{}

func (oidcIdentifierRule) description() string {
	return "an OIDC identifier of the form provider:subject"
}

func (oidcIdentifierRule) problem(value string) (string, string) {
	provider, subject, ok := strings.Cut(value, ":")
	if ok && provider != "" && subject != "" {
		return "", ""
	}
	return "Invalid OIDC identifier", fmt.Sprintf("%q is not of the form provider:subject, such as github:123456, "+
		"which is how the identity's credentials.oidc.identifiers list its linked providers.", value)
}

// oidcIdentifiersNeedOIDC refuses oidc_identifiers when types is known and lacks oidc.
type oidcIdentifiersNeedOIDC struct{}

// Description says what the validator requires.
func (oidcIdentifiersNeedOIDC) Description(context.Context) string {
	return "requires oidc in types"
}

// MarkdownDescription says what the validator requires.
func (v oidcIdentifiersNeedOIDC) MarkdownDescription(ctx context.Context) string {
	return v.Description(ctx)
}

// ValidateSet checks types in the same configuration.
func (oidcIdentifiersNeedOIDC) ValidateSet(ctx context.Context, req validator.SetRequest, resp *validator.SetResponse) {
	if req.ConfigValue.IsNull() {
		return
	}
	var chosen types.Set
	resp.Diagnostics.Append(req.Config.GetAttribute(ctx, path.Root("types"), &chosen)...)
	if resp.Diagnostics.HasError() || chosen.IsNull() || chosen.IsUnknown() {
		return
	}
	for _, e := range chosen.Elements() {
		if e.IsUnknown() || e.Equal(types.StringValue(credentialOIDC)) {
			return
		}
	}
	resp.Diagnostics.AddAttributeError(req.Path, "oidc_identifiers without oidc",
		"oidc_identifiers names OIDC providers to unlink, but types does not contain \"oidc\", so they would not be unlinked. "+
			"Add \"oidc\" to types, or remove oidc_identifiers.")
}
