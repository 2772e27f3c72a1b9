package provider

import (
	"context"
	"fmt"
	"regexp"

	"github.com/hashicorp/terraform-plugin-framework-validators/int64validator"
	"github.com/hashicorp/terraform-plugin-framework-validators/setvalidator"
	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringdefault"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/kratos-tf/terraform-provider-kratos/internal/kratosclient"
	"github.com/kratos-tf/terraform-provider-kratos/internal/passwordhash"
)

// descLeanState says what the state leaves out and where to find it.
const descLeanState = "To keep the state small (Terraform rewrites it after every resource), it leaves out what Kratos derives from the traits " +
	"and what few configurations read: the verifiable and recovery addresses, the credentials' login identifiers, the organization and the timestamps. " +
	"The `kratos_identity` data source reports them. Every attribute costs state bytes even when null, so the rarely set inputs share one attribute, `login`."

// identityResourceSchema is the schema of kratos_identity.
func identityResourceSchema() schema.Schema {
	useState := []planmodifier.String{stringplanmodifier.UseStateForUnknown()}
	return schema.Schema{
		MarkdownDescription: "Manages an identity in Ory Kratos: its traits, metadata, state and credentials " +
			"(a password in cleartext, write-only or hashed form, and linked social sign-ins), and which of its addresses are verified.\n\n" +
			"Updates are sent as one minimal JSON Patch; credentials that change are sent with one additional full update, " +
			"preceded by one read so that it sends back unchanged what the configuration does not manage (`external_id` when unset, `organization_id`, fields of later Kratos releases). " +
			"When `traits` and `schema_id` are known at plan time, the traits are validated against the identity schema fetched from Kratos.\n\n" +
			descLeanState,
		Version: 1,
		Attributes: map[string]schema.Attribute{
			"id": schema.StringAttribute{
				Computed:            true,
				MarkdownDescription: "The identity's ID, a UUID chosen by Kratos.",
				PlanModifiers:       useState,
			},
			"schema_id": schema.StringAttribute{
				Optional: true,
				Computed: true,
				MarkdownDescription: "ID of the identity schema the traits follow. Defaults to Kratos's `identity.default_schema_id`. " +
					"Changing it updates the identity in place; the traits must then match the new schema. " +
					"Plan-time validation of the traits needs the schema ID, so it is skipped on create when this is omitted.",
				PlanModifiers: useState,
				Validators:    []validator.String{stringvalidator.LengthAtLeast(1)},
			},
			"traits": schema.StringAttribute{
				Required:      true,
				CustomType:    jsonValueType{},
				PlanModifiers: []planmodifier.String{keepEquivalentJSON{}},
				MarkdownDescription: "The identity's traits as a JSON object, shaped by the identity schema; write it with `jsonencode(...)`, a heredoc or `file()`. " +
					"Key order, whitespace and the spelling of numbers never cause a difference. " + descNumbers +
					"Kratos derives login identifiers and verifiable and recovery addresses from the traits.",
			},
			"state": schema.StringAttribute{
				Optional: true,
				Computed: true,
				Default:  stringdefault.StaticString(identityStates[0]),
				MarkdownDescription: fmt.Sprintf("Whether the identity can sign in: one of %s. Defaults to `%s`.",
					quotedList(identityStates), identityStates[0]),
				Validators: []validator.String{stringvalidator.OneOf(identityStates...)},
			},
			"metadata_public": schema.StringAttribute{
				Optional:      true,
				CustomType:    jsonValueType{},
				PlanModifiers: []planmodifier.String{keepEquivalentJSON{}},
				Validators:    []validator.String{metadataValidator{}},
				MarkdownDescription: "Metadata the identity can read (it is part of its session), as a JSON document. " +
					descMetadataValues +
					"Removing it from the configuration clears it in Kratos.",
			},
			"metadata_admin": schema.StringAttribute{
				Optional:      true,
				CustomType:    jsonValueType{},
				PlanModifiers: []planmodifier.String{keepEquivalentJSON{}},
				Validators:    []validator.String{metadataValidator{}},
				MarkdownDescription: "Metadata visible only through the admin API, as a JSON document. " +
					descMetadataValues +
					"Removing it from the configuration clears it in Kratos.",
			},
			"login": schema.SingleNestedAttribute{
				Optional: true,
				MarkdownDescription: "How the identity signs in: its password (in cleartext, write-only or hashed form), its linked social sign-ins, " +
					"and which of its addresses are verified (Kratos's code sign-in and its `require_verified_address` hook need a verified address). " +
					"Omitted, none of these is managed, and the state keeps nothing of them. The `kratos_identity` data source reports the credentials and addresses Kratos holds.",
				Attributes: identityLoginAttributes(),
			},
			"external_id": schema.StringAttribute{
				Optional: true,
				Computed: true,
				MarkdownDescription: "An ID linking the identity to another system, unique across identities (" + kratosclient.ExternalIDReleases +
					"; setting it on an earlier Kratos is an error at plan time). It is set on create and changed in place. " +
					"Removing it from a configuration that set it removes it from the identity; when the configuration never set it, " +
					"the value Kratos holds (set by another client, or found by import) is reported and kept.",
				PlanModifiers: []planmodifier.String{externalIDPlan{}},
				Validators:    []validator.String{stringvalidator.LengthAtLeast(1)},
			},
		},
	}
}

// priorWhenUnconfigured plans a set that the configuration omits as its prior value (null on
// create), so that an omitted optional and computed set never shows as a change.
type priorWhenUnconfigured struct{}

// Description says what the modifier does.
func (priorWhenUnconfigured) Description(context.Context) string {
	return "When the configuration omits the value, the prior value is kept (null on create)."
}

// MarkdownDescription says what the modifier does.
func (m priorWhenUnconfigured) MarkdownDescription(ctx context.Context) string {
	return m.Description(ctx)
}

// PlanModifySet keeps the prior value when the configuration has none.
func (priorWhenUnconfigured) PlanModifySet(_ context.Context, req planmodifier.SetRequest, resp *planmodifier.SetResponse) {
	if req.ConfigValue.IsNull() && resp.PlanValue.IsUnknown() {
		resp.PlanValue = req.StateValue
	}
}

// externalIDManagedKey is the private state key that records whether the configuration set
// external_id at the last create or update.
const externalIDManagedKey = "external_id_managed"

// externalIDPlan plans an external_id the configuration omits. Whether an omitted value is to
// be removed or kept depends on who set it, which neither the state nor the configuration can
// tell (both hold the same value either way), so Create and Update record in private state
// whether the configuration set it: then omitting it removes it; otherwise (never configured,
// or adopted by import) the value Kratos holds is kept. An imported value that the configuration
// repeats unchanged becomes managed at the first update of the resource, since a plan without
// changes writes no private state.
type externalIDPlan struct{}

// Description says what the modifier does.
func (externalIDPlan) Description(context.Context) string {
	return "When the configuration omits the value, it is removed if the configuration set it before, else the prior value is kept (null on create)."
}

// MarkdownDescription says what the modifier does.
func (m externalIDPlan) MarkdownDescription(ctx context.Context) string { return m.Description(ctx) }

// PlanModifyString plans null on create and on removal of a configured value, else the prior value.
func (externalIDPlan) PlanModifyString(ctx context.Context, req planmodifier.StringRequest, resp *planmodifier.StringResponse) {
	if !req.ConfigValue.IsNull() {
		return
	}
	if req.State.Raw.IsNull() {
		resp.PlanValue = types.StringNull()
		return
	}
	managed, diags := req.Private.GetKey(ctx, externalIDManagedKey)
	resp.Diagnostics.Append(diags...)
	if string(managed) == "true" {
		resp.PlanValue = types.StringNull()
		return
	}
	resp.PlanValue = req.StateValue
}

// externalIDManagedFlag is the private state value recorded for a configured external_id: true
// when the configuration sets it, nil (the key removed) when it does not.
func externalIDManagedFlag(config types.String) []byte {
	if config.IsNull() {
		return nil
	}
	return []byte("true")
}

// oidcProviderInputAttributes are the attributes of one configured social sign-in.
func oidcProviderInputAttributes() map[string]schema.Attribute {
	return map[string]schema.Attribute{
		"provider": schema.StringAttribute{
			Required:            true,
			MarkdownDescription: descOIDCProvider + " It cannot contain `:`.",
			Validators:          []validator.String{stringvalidator.LengthAtLeast(1), stringvalidator.RegexMatches(regexp.MustCompile(`^[^:]*$`), "must not contain a colon")},
		},
		"subject": schema.StringAttribute{
			Required:            true,
			MarkdownDescription: descOIDCSubject,
			Validators:          []validator.String{stringvalidator.LengthAtLeast(1)},
		},
	}
}

// identityLoginAttributes are the attributes of login: the password forms, the social sign-ins and the verified addresses.
func identityLoginAttributes() map[string]schema.Attribute {
	return map[string]schema.Attribute{
		"password": schema.StringAttribute{
			Optional:  true,
			Sensitive: true,
			MarkdownDescription: "Cleartext password, hashed by Kratos; sent on create and whenever it changes. " +
				"It is stored in the Terraform state (marked sensitive); prefer `password_wo` where the CLI supports it. " +
				"Kratos does not apply its password policy to imported passwords. Removing it leaves the current password in place. " +
				"Conflicts with `password_wo` and `hashed_password`.",
			Validators: []validator.String{
				stringvalidator.LengthAtLeast(1),
				stringvalidator.ConflictsWith(path.MatchRelative().AtParent().AtName("password_wo"), path.MatchRelative().AtParent().AtName("hashed_password")),
			},
		},
		"password_wo": schema.StringAttribute{
			Optional:  true,
			Sensitive: true,
			WriteOnly: true,
			MarkdownDescription: "Write-only cleartext password (Terraform 1.11 or later, OpenTofu 1.11 or later): never stored in the plan or state. " +
				"It is sent on create and whenever `password_wo_version` changes. Conflicts with `password` and `hashed_password`.",
			Validators: []validator.String{
				stringvalidator.LengthAtLeast(1),
				stringvalidator.ConflictsWith(path.MatchRelative().AtParent().AtName("password"), path.MatchRelative().AtParent().AtName("hashed_password")),
			},
		},
		"password_wo_version": schema.Int64Attribute{
			Optional: true,
			MarkdownDescription: "Any number; changing it re-sends `password_wo`. Terraform cannot see a write-only value change, " +
				"so bump this whenever you change `password_wo`.",
			Validators: []validator.Int64{int64validator.AlsoRequires(path.MatchRelative().AtParent().AtName("password_wo"))},
		},
		"hashed_password": schema.StringAttribute{
			Optional:  true,
			Sensitive: true,
			MarkdownDescription: "An existing password hash to import, for migrating users from another system; sent on create and whenever it changes. " +
				"Kratos accepts hashes that start with " + quotedList(passwordhash.PrefixDescriptions) + ". " +
				"Like `password`, it is stored in the state as written (marked sensitive, so plans hide it): keep the state encrypted, " +
				"or remove the attribute once the identity is imported (removing it changes nothing in Kratos). " +
				"Conflicts with `password` and `password_wo`.",
			Validators: []validator.String{
				hashedPasswordValidator{},
				stringvalidator.ConflictsWith(path.MatchRelative().AtParent().AtName("password"), path.MatchRelative().AtParent().AtName("password_wo")),
			},
		},
		"oidc_providers": schema.SetNestedAttribute{
			Optional: true,
			Computed: true,
			MarkdownDescription: "Social sign-ins (OpenID Connect) linked to the identity. Added entries are linked, removed entries are unlinked, " +
				"and an entry unlinked outside Terraform shows as a difference. When omitted, the last value is kept (none on create) and nothing is linked or unlinked; " +
				"the `kratos_identity` data source lists every linked sign-in.",
			PlanModifiers: []planmodifier.Set{priorWhenUnconfigured{}},
			NestedObject:  schema.NestedAttributeObject{Attributes: oidcProviderInputAttributes()},
		},
		"verified_addresses": schema.SetAttribute{
			Optional:    true,
			Computed:    true,
			ElementType: types.StringType,
			MarkdownDescription: "Addresses that must be verified, out of those Kratos derives from the traits (the `kratos_identity` data source lists them as `verifiable_addresses`); " +
				"compared case-insensitively. They are marked verified on create and on update. Listing an address the traits do not produce " +
				"is an error naming it. An address un-verified outside Terraform shows as a difference. Removing an address from this set does not un-verify it. " +
				"When it is omitted, the last value is kept (none on create) and nothing is managed.",
			PlanModifiers: []planmodifier.Set{priorWhenUnconfigured{}},
			Validators:    []validator.Set{setvalidator.ValueStringsAre(stringvalidator.LengthAtLeast(1))},
		},
	}
}
