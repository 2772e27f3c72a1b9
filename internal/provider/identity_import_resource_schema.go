package provider

import (
	"context"
	"fmt"

	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/booldefault"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringdefault"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/kratos-tf/terraform-provider-kratos/internal/kratosclient"
	"github.com/kratos-tf/terraform-provider-kratos/internal/passwordhash"
)

// identityImportSchema is the schema of kratos_identity_import.
func identityImportSchema() schema.Schema {
	return schema.Schema{
		Version: 1,
		MarkdownDescription: "Imports many identities into Ory Kratos at once, for example users migrated from another system with their password hashes, " +
			"through Kratos's batch endpoint: up to 1000 identities (and at most 200 cleartext passwords; hashes do not count) per request, instead of one request and one state " +
			"entry per identity. These are the limits of Kratos v25.4.0 and later, kept on every version. A refresh checks the members with one list request per 500.\n\n" +
			"Works with Kratos v1.3.1 and v26: when one member of a batch conflicts with an existing identity, v1.3.1 rolls the whole batch back (the provider notices and sends " +
			"the others again), v25.4.0 and later keep the others; either way each member is created once. A member with an `external_id` is " +
			"recognised by it on later applies and in other `kratos_identity_import` resources, whatever its key, its resource or its traits became.\n\n" +
			"Each member is created **once**. Changing a member's configuration afterwards sends nothing: what users changed themselves " +
			"(their traits, their password) stays. A member whose identity was deleted in Kratos is dropped from `ids` and not created again. " +
			"Members added to `identities` are created on the next apply; members removed from it are forgotten, or, with `delete_on_destroy`, deleted by the apply after " +
			"(`pending_deletion`) unless another `kratos_identity_import` has recorded them by then. " +
			"To keep an identity's attributes in sync with the configuration, manage it with `kratos_identity` instead.\n\n" +
			"A member that Kratos refuses does not stop the others: the apply imports what it can, records it, and fails with one error " +
			"that names each refused member and Kratos's reason; the next apply sends only the members not yet imported.\n\n" +
			"Nothing deletes an identity this resource did not create: adopted identities (listed in `adopted`) stay in Kratos " +
			"whatever happens to the resource. A replacement never deletes either: when Terraform replaces the resource (after " +
			"`terraform taint`, or because its first apply failed part-way and left it tainted), the identities stay, and the new " +
			"resource records each again under the same ID, recognised by its `external_id` or its identical traits; only " +
			"`terraform destroy` or removing a member deletes, with `delete_on_destroy`, what the resource created.",
		Attributes: map[string]schema.Attribute{
			"id": schema.StringAttribute{
				Computed: true,
				MarkdownDescription: "The resource's own ID, a UUID. It is written into the `metadata_admin` of every identity the resource creates, and of every identity it records " +
					"without creating it (a member moved from another `kratos_identity_import`, renamed, or recognised after a replacement), under `" + importMarkerKey + "`; " +
					"no other `kratos_identity_import` then deletes that identity. Adopted identities are left unchanged.",
				PlanModifiers: []planmodifier.String{stringplanmodifier.UseStateForUnknown()},
			},
			"identities": schema.StringAttribute{
				Required:            true,
				Sensitive:           true,
				MarkdownDescription: importIdentitiesDescription,
				Validators:          []validator.String{importMembersValidator{}},
				PlanModifiers:       []planmodifier.String{keepEquivalentMembers{}},
			},
			"ids": schema.MapAttribute{
				Computed:    true,
				ElementType: types.StringType,
				MarkdownDescription: "The identity ID of each member in Kratos, by key: created by this resource, or an existing identity adopted for it. " +
					"A member that is not (or no longer) in Kratos is absent. Refreshed with one list request per 500 members.",
			},
			"on_conflict": schema.StringAttribute{
				Optional: true,
				Computed: true,
				Default:  stringdefault.StaticString(onConflictValues[0]),
				MarkdownDescription: fmt.Sprintf("What to do with a member when another identity already has one of its login identifiers: %s. "+
					"`%s` (the default) records that identity's ID in `ids`, leaves the identity unchanged, and warns; `%s` refuses the member, "+
					"which fails the apply after the other members are imported. An identity with the member's schema and identical traits "+
					"is the member itself, imported by an earlier apply, and is recorded either way.",
					quotedList(onConflictValues), onConflictAdopt, onConflictFail),
				Validators: []validator.String{stringvalidator.OneOf(onConflictValues...)},
			},
			"delete_on_destroy": schema.BoolAttribute{
				Optional: true,
				Computed: true,
				Default:  booldefault.StaticBool(false),
				MarkdownDescription: "Whether destroying the resource, or removing a member, deletes the identities it created. Defaults to `false`: " +
					"once imported, identities belong to their users, and only Terraform's record of them goes. Adopted identities (`adopted`) are never deleted, " +
					"and a replacement of the resource (a tainted resource, for example) deletes nothing: the new resource records the same identities. " +
					"With `create_before_destroy` too, the new object claims every identity before the old one is destroyed, so nothing is deleted.",
			},
			"pending_deletion": schema.MapAttribute{
				Computed:    true,
				ElementType: types.StringType,
				MarkdownDescription: "With `delete_on_destroy`, the identity IDs of members removed from `identities`, by key, which the next apply deletes: " +
					"a removed member's identity is deleted one apply later, so that another `kratos_identity_import` that the member moved to has recorded it by then " +
					"(it is then not deleted). The plan names them.",
			},
			"adopted": schema.SetAttribute{
				Computed:    true,
				ElementType: types.StringType,
				MarkdownDescription: "The keys of the members whose identity this resource adopted (found in Kratos with one of the member's login identifiers, " +
					"not created by it): nothing this resource does deletes them. The other members of `ids` are the identities it created.",
			},
		},
	}
}

// importIdentitiesDescription documents identities and the attributes of a member.
var importIdentitiesDescription = "The identities to import, as one JSON object of members keyed by a name you choose (for example the user's ID in the old system); " +
	"write it with `jsonencode({ for u in local.users : u.id => { … } })`. " +
	"A key is how the provider recognises a member across applies: renaming a key makes it a new member, which finds and records the same identity by its `external_id`, " +
	"or by its traits when they are unchanged. The value is sensitive, because it holds passwords and hashes: plans show it as `(sensitive value)`, `ids` shows which members " +
	"an apply adds, and warnings name the members whose changes are not sent and those removed. Key order, whitespace and the spelling of numbers never cause a difference. " +
	"Errors name the member and the attribute. One JSON value, rather than a map of objects, keeps a plan of 10,000 members to seconds: Terraform and the framework " +
	"walk a map of objects element by element, in time that grows with the square of its size.\n\n" +
	"Each member is an object with these attributes:\n\n" +
	"- `schema_id` (String, required): ID of the identity schema the traits follow (the `kratos_identity_schemas` data source lists them). " +
	"It tells the provider which traits are login identifiers when a member conflicts with an existing identity.\n" +
	"- `traits` (Object, required): the identity's traits, shaped by the identity schema. A string holding a JSON object (`traits = jsonencode({…})`) is read as that object.\n" +
	"- `external_id` (String): the user's ID in the old system, the member's stable key. Stored as the identity's `external_id`, which Kratos keeps unique " +
	"(" + kratosclient.ExternalIDReleases + "); an older Kratos has none, so the provider keeps it in the identity's `metadata_admin` under `" + importMarkerKey + "` " +
	"(the member's `metadata_admin` must then be an object). When the member is renamed, moves to another `kratos_identity_import`, or its request's answer was lost, " +
	"an identity with this external ID is the member, whatever its traits (a user may have changed them), and is recorded instead of created again. Two members cannot share one.\n" +
	"- `state` (String): whether the identity can sign in: one of " + quotedList(identityStates) + ". Kratos makes it `" + identityStates[0] + "` when omitted.\n" +
	"- `metadata_public` (JSON): metadata the identity can read (it is part of its session). " + descMetadataValues + "\n" +
	"- `metadata_admin` (JSON): metadata visible only through the admin API. " + descMetadataValues + "\n" +
	"- `password` (String): cleartext password, hashed by Kratos when it creates the identity. Kratos hashes the passwords of one request one after the other " +
	"(with bcrypt at cost 12, about 4 per second); the provider sizes its requests to fit in half of `request_timeout`, measured on the first answer.\n" +
	"- `hashed_password` (String): an existing password hash, so that the user keeps signing in with the old password. Kratos v1.3.1 accepts hashes that start with " +
	quotedList(passwordhash.PrefixDescriptions) + "; the whole hash is checked at plan time. A member may have `password` or `hashed_password`, not both.\n" +
	"- `verified_addresses` (List of String): addresses, out of those Kratos derives from the traits, to import as already verified. " +
	"One the traits do not produce is not verified, with a warning naming it.\n" +
	"- `oidc_providers` (List of Object): social sign-ins (OpenID Connect) to link, each with `provider` (" + descOIDCProvider + " It cannot contain `:`.) and `subject` (" + descOIDCSubject + ")."

// importMembersValidator checks kratos_identity_import's identities: a JSON object of members,
// each with the attributes of a member and values Kratos accepts. Its errors name the member.
type importMembersValidator struct{}

// Description says what the validator accepts.
func (importMembersValidator) Description(context.Context) string {
	return "a JSON object of members, each with schema_id, traits and optional member attributes"
}

// MarkdownDescription says what the validator accepts.
func (v importMembersValidator) MarkdownDescription(ctx context.Context) string {
	return v.Description(ctx)
}

// ValidateString checks a known value.
func (importMembersValidator) ValidateString(_ context.Context, req validator.StringRequest, resp *validator.StringResponse) {
	if req.ConfigValue.IsNull() || req.ConfigValue.IsUnknown() {
		return
	}
	_, problems, err := decodeImportMembers(req.ConfigValue.ValueString())
	if err != nil {
		resp.Diagnostics.AddAttributeError(req.Path, "Invalid identities", err.Error())
		return
	}
	addMemberProblems(&resp.Diagnostics, problems)
}

// keepEquivalentMembers is the plan modifier of kratos_identity_import's identities: it keeps the
// prior state's text when every member is configured as before, however the JSON is written (key
// order, whitespace, traits as an object or as a jsonencode string).
type keepEquivalentMembers struct{}

// Description says what the modifier does.
func (keepEquivalentMembers) Description(context.Context) string {
	return "Key order, whitespace and number spelling do not cause a change."
}

// MarkdownDescription says what the modifier does.
func (m keepEquivalentMembers) MarkdownDescription(ctx context.Context) string {
	return m.Description(ctx)
}

// PlanModifyString keeps the prior text when it holds the same members as the plan's.
func (keepEquivalentMembers) PlanModifyString(_ context.Context, req planmodifier.StringRequest, resp *planmodifier.StringResponse) {
	if req.StateValue.IsNull() || req.StateValue.IsUnknown() || req.PlanValue.IsNull() || req.PlanValue.IsUnknown() || req.StateValue.Equal(req.PlanValue) {
		return
	}
	prior, _, errPrior := decodeImportMembers(req.StateValue.ValueString())
	planned, _, errPlanned := decodeImportMembers(req.PlanValue.ValueString())
	if errPrior != nil || errPlanned != nil || len(prior) != len(planned) {
		return
	}
	for key, m := range planned {
		if p, ok := prior[key]; !ok || !sameConfig(p, m) {
			return
		}
	}
	resp.PlanValue = req.StateValue
}
