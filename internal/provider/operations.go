package provider

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/hashicorp/terraform-plugin-framework-validators/setvalidator"
	"github.com/hashicorp/terraform-plugin-framework/action"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/mapplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/tfsdk"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-log/tflog"

	"github.com/kratos-tf/terraform-provider-kratos/internal/kratosclient"
)

// This file holds what the actions (kratos_revoke_sessions, kratos_extend_session,
// kratos_delete_credentials) share with the trigger resources that perform the same operations on
// every CLI (kratos_session_revocation, kratos_session_extension, kratos_credentials_deletion): the
// operations themselves, their inputs, descriptions and validators, and the two base types.

var (
	_ validator.Set = oidcIdentifiersNeedOIDC{}
	_ validator.Set = credentialTypesValidator{}
)

// Attribute descriptions shared by each action and its trigger resource.
const (
	revokeIdentityIDDescription = "The ID (a UUID) of the identity whose sessions to revoke: every session of it is deleted, active or not. " +
		"Exactly one of `identity_id` and `session_id` must be set."
	revokeSessionIDDescription = "The ID (a UUID) of the one session to revoke. Kratos marks it inactive and keeps it readable. " +
		"Exactly one of `identity_id` and `session_id` must be set."
	extendSessionIDDescription = "The ID (a UUID) of the session to extend. Kratos sets its expiry to now plus its configured `session.lifespan` " +
		"(24 hours by default), unless `session.earliest_possible_extend` has not been reached yet, in which case the expiry stays and a warning says so."
	deleteIdentityIDDescription = "The ID (a UUID) of the identity whose credentials to delete."
	oidcIdentifiersDescription  = "The linked social sign-in providers to unlink, each as `provider:subject` (for example `github:123456`, " +
		"as in the identity's `credentials.oidc.identifiers`). Requires `oidc` in `types`; when `types` has `oidc` and this is not set, " +
		"every linked provider is unlinked. An identifier that is not linked gives a warning."
	triggersDescription = "Arbitrary strings; changing any of them replaces the resource, which performs the operation again. " +
		"For example `{ state = kratos_identity.x.state }` performs it whenever the identity's state changes."
)

// sessionRevocationInput is the configuration of kratos_revoke_sessions, shared by kratos_session_revocation.
type sessionRevocationInput struct {
	IdentityID types.String `tfsdk:"identity_id"`
	SessionID  types.String `tfsdk:"session_id"`
}

// sessionExtensionInput is the configuration of kratos_extend_session, shared by kratos_session_extension.
type sessionExtensionInput struct {
	SessionID types.String `tfsdk:"session_id"`
}

// credentialsDeletionInput is the configuration of kratos_delete_credentials, shared by kratos_credentials_deletion.
type credentialsDeletionInput struct {
	IdentityID      types.String `tfsdk:"identity_id"`
	Types           types.Set    `tfsdk:"types"`
	OIDCIdentifiers types.Set    `tfsdk:"oidc_identifiers"`
}

// progressFunc tells the user about one step an operation took.
type progressFunc func(ctx context.Context, message string)

// revokeSessions revokes one session or every session of an identity and returns when it did.
func revokeSessions(ctx context.Context, client *kratosclient.Client, in sessionRevocationInput, progress progressFunc, diags *diag.Diagnostics) time.Time {
	if !in.SessionID.IsNull() {
		id := in.SessionID.ValueString()
		s, err := client.GetSession(ctx, id, kratosclient.ExpandIdentity)
		if err == nil {
			err = client.DisableSession(ctx, id)
		}
		if kratosclient.IsNotFound(err) {
			addSessionNotFound(diags, path.Root("session_id"), id)
			return time.Time{}
		}
		if err != nil {
			addClientError(diags, "Unable to Revoke Session", err)
			return time.Time{}
		}
		was := "it was active"
		if !s.Active {
			was = "it was already inactive (revoked, expired or its identity deactivated)"
		}
		progress(ctx, fmt.Sprintf("Revoked session %s of identity %s; %s.", id, sessionIdentityID(s), was))
		return time.Now().UTC()
	}

	id := in.IdentityID.ValueString()
	if _, err := client.GetIdentity(ctx, id); err != nil {
		addIdentityError(diags, "Unable to Revoke Sessions", id, err)
		return time.Time{}
	}
	sessions, err := kratosclient.Collect(client.ListIdentitySessions(ctx, id, kratosclient.ListIdentitySessionsParams{}))
	if err != nil {
		addClientError(diags, "Unable to Revoke Sessions", err)
		return time.Time{}
	}
	if err := client.DeleteIdentitySessions(ctx, id); err != nil {
		addClientError(diags, "Unable to Revoke Sessions", err)
		return time.Time{}
	}
	active := 0
	for _, s := range sessions {
		if s.Active {
			active++
		}
	}
	switch len(sessions) {
	case 0:
		progress(ctx, fmt.Sprintf("Identity %s had no sessions; there was nothing to revoke.", id))
	case 1:
		progress(ctx, fmt.Sprintf("Deleted the one session of identity %s (%d active); its token and cookie no longer work.", id, active))
	default:
		progress(ctx, fmt.Sprintf("Deleted the %d sessions of identity %s (%d of them active); their tokens and cookies no longer work.", len(sessions), id, active))
	}
	return time.Now().UTC()
}

// extendSession extends a session and returns its new expiry as Kratos reports it.
func extendSession(ctx context.Context, client *kratosclient.Client, in sessionExtensionInput, progress progressFunc, diags *diag.Diagnostics) string {
	id := in.SessionID.ValueString()
	before, err := client.GetSession(ctx, id)
	var after *kratosclient.Session
	if err == nil {
		after, err = client.ExtendSession(ctx, id)
	}
	if err == nil && after == nil {
		// Kratos's faster_session_extend feature flag answers 204 without the session.
		after, err = client.GetSession(ctx, id, kratosclient.ExpandIdentity)
	}
	if kratosclient.IsNotFound(err) {
		addSessionNotFound(diags, path.Root("session_id"), id)
		return ""
	}
	if err != nil {
		addClientError(diags, "Unable to Extend Session", err)
		return ""
	}
	if !isAfter(after.ExpiresAt, before.ExpiresAt) {
		diags.AddAttributeWarning(path.Root("session_id"), "Session not extended",
			fmt.Sprintf("Kratos accepted the extension of session %s but left it expiring at %s: its session.earliest_possible_extend "+
				"setting allows an extension only shortly before the session expires. Extend it again closer to that time.", id, after.ExpiresAt))
	} else {
		progress(ctx, fmt.Sprintf("Extended session %s of identity %s: it now expires at %s instead of %s.", id, sessionIdentityID(after), after.ExpiresAt, before.ExpiresAt))
	}
	if !after.Active {
		diags.AddAttributeWarning(path.Root("session_id"), "Extended session is not active",
			fmt.Sprintf("Session %s is revoked or its identity is not active: Kratos moved its expiry, but the session still cannot be used. "+
				"The user has to sign in again.", id))
	}
	return after.ExpiresAt
}

// isAfter reports whether the RFC 3339 time a is after b; an unparsable time counts as not later.
func isAfter(a, b string) bool {
	ta, errA := time.Parse(time.RFC3339Nano, a)
	tb, errB := time.Parse(time.RFC3339Nano, b)
	return errA == nil && errB == nil && ta.After(tb)
}

// sessionIdentityID is the ID of the session's identity, when Kratos expanded it.
func sessionIdentityID(s *kratosclient.Session) string {
	if s.Identity == nil {
		return "(not expanded)"
	}
	return s.Identity.ID
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

// addIdentityError reports a failed read of the identity an operation acts on, on identity_id when Kratos does not know it.
func addIdentityError(diags *diag.Diagnostics, summary, id string, err error) {
	if kratosclient.IsNotFound(err) {
		diags.AddAttributeError(path.Root("identity_id"), "Identity not found",
			fmt.Sprintf("Kratos has no identity %s (it answered 404), so nothing was done. Check the ID; the kratos_identities data source lists existing identities.", id))
		return
	}
	addClientError(diags, summary, err)
}

// addSessionNotFound reports an unknown session on the attribute that names it.
func addSessionNotFound(diags *diag.Diagnostics, p path.Path, id string) {
	diags.AddAttributeError(p, "Session not found",
		fmt.Sprintf("Kratos has no session %s (it answered 404), so nothing was done. Check the ID; the kratos_sessions and "+
			"kratos_identity_sessions data sources list existing sessions. Revoking an identity's sessions deletes them.", id))
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

// operationAction holds the type name and provider data of an action.
type operationAction struct {
	typeName string // without the provider name and underscore
	data     *providerData
}

// Metadata names the action.
func (a *operationAction) Metadata(_ context.Context, req action.MetadataRequest, resp *action.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_" + a.typeName
}

// Configure keeps the provider data; it is nil during validation, before the provider is configured.
func (a *operationAction) Configure(_ context.Context, req action.ConfigureRequest, resp *action.ConfigureResponse) {
	a.data = providerDataFrom(req.ProviderData, &resp.Diagnostics)
}

// start reads the action's configuration into cfg and returns the client and a progress
// function that sends the action's progress messages; the client is nil when diagnostics have an error.
func (a *operationAction) start(ctx context.Context, req action.InvokeRequest, resp *action.InvokeResponse, cfg any) (*kratosclient.Client, progressFunc) {
	resp.Diagnostics.Append(req.Config.Get(ctx, cfg)...)
	client := a.data.clientOrError(&resp.Diagnostics)
	if resp.Diagnostics.HasError() {
		return nil, nil
	}
	return client, func(ctx context.Context, message string) {
		tflog.Info(ctx, message)
		if resp.SendProgress != nil {
			resp.SendProgress(action.InvokeProgressEvent{Message: message})
		}
	}
}

// triggerResource holds the type name and provider data of a resource that performs an operation
// when it is created; its Read keeps the recorded result, Update never changes anything, and Delete only forgets.
type triggerResource struct {
	typeName string // without the provider name and underscore
	data     *providerData
}

// Metadata names the resource.
func (r *triggerResource) Metadata(_ context.Context, req resource.MetadataRequest, resp *resource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_" + r.typeName
}

// Configure keeps the provider data; it is nil during validation, before the provider is configured.
func (r *triggerResource) Configure(_ context.Context, req resource.ConfigureRequest, resp *resource.ConfigureResponse) {
	r.data = providerDataFrom(req.ProviderData, &resp.Diagnostics)
}

// start reads the plan into model and returns the client and a progress function that logs;
// the client is nil when diagnostics have an error.
func (r *triggerResource) start(ctx context.Context, plan tfsdk.Plan, model any, diags *diag.Diagnostics) (*kratosclient.Client, progressFunc) {
	diags.Append(plan.Get(ctx, model)...)
	client := r.data.clientOrError(diags)
	if diags.HasError() {
		return nil, nil
	}
	return client, func(ctx context.Context, message string) { tflog.Info(ctx, message) }
}

// Read keeps the recorded result: there is nothing in Kratos to read it back from.
func (r *triggerResource) Read(context.Context, resource.ReadRequest, *resource.ReadResponse) {}

// Update is never needed, since every input forces replacement; it keeps the planned values.
func (r *triggerResource) Update(_ context.Context, req resource.UpdateRequest, resp *resource.UpdateResponse) {
	resp.State.Raw = req.Plan.Raw
}

// Delete only forgets the resource: an operation that was performed cannot be undone.
func (r *triggerResource) Delete(ctx context.Context, _ resource.DeleteRequest, _ *resource.DeleteResponse) {
	tflog.Debug(ctx, "removing "+r.typeName+" from the state only; the operation it performed stays done")
}

// triggerAttributes are the attributes every trigger resource has: id and triggers.
func triggerAttributes(idDescription string) map[string]schema.Attribute {
	return map[string]schema.Attribute{
		"id": schema.StringAttribute{
			Computed:            true,
			MarkdownDescription: idDescription,
			PlanModifiers:       []planmodifier.String{stringplanmodifier.UseStateForUnknown()},
		},
		"triggers": schema.MapAttribute{
			Optional:            true,
			ElementType:         types.StringType,
			MarkdownDescription: triggersDescription,
			PlanModifiers:       []planmodifier.Map{mapplanmodifier.RequiresReplace()},
		},
	}
}

// replaceOnChange is the plan modifier of every input of a trigger resource.
func replaceOnChange() []planmodifier.String {
	return []planmodifier.String{stringplanmodifier.RequiresReplace()}
}
