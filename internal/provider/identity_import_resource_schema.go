package provider

import (
	"context"
	"fmt"
	"regexp"

	"github.com/hashicorp/terraform-plugin-framework-validators/setvalidator"
	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
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

// The values of on_conflict.
const (
	onConflictAdopt = "adopt"
	onConflictFail  = "fail"
)

// onConflictValues lists on_conflict's values, the default first.
var onConflictValues = []string{onConflictAdopt, onConflictFail}

// identityImportSchema is the schema of kratos_identity_import.
func identityImportSchema() schema.Schema {
	jsonAttr := func(required bool, desc string, validators ...validator.String) schema.StringAttribute {
		return schema.StringAttribute{
			Required: required, Optional: !required, CustomType: jsonValueType{}, MarkdownDescription: desc, Validators: validators,
			PlanModifiers: []planmodifier.String{keepEquivalentJSON{}},
		}
	}
	return schema.Schema{
		MarkdownDescription: "Imports many identities into Ory Kratos at once, for example users migrated from another system with their password hashes, " +
			"through Kratos's batch endpoint: up to 1000 identities (and at most 200 cleartext passwords; hashes do not count) per request, instead of one request and one state " +
			"entry per identity. These are the limits of Kratos v25.4.0 and later, kept on every version. A refresh checks the members with one list request per 500.\n\n" +
			"Works with Kratos v1.3.1 and v26: when one member of a batch conflicts with an existing identity, v1.3.1 rolls the whole batch back (the provider notices and sends " +
			"the others again), v25.4.0 and later keep the others; either way each member is created once. A member with an `external_id` is " +
			"recognised by it on later applies and in other `kratos_identity_import` resources, whatever its key, its resource or its traits became.\n\n" +
			"Each member is created **once**. Changing a member's configuration afterwards sends nothing: what users changed themselves " +
			"(their traits, their password) stays. A member whose identity was deleted in Kratos is dropped from `ids` and not created again. " +
			"Members added to the map are created on the next apply; members removed from it are forgotten, or, with `delete_on_destroy`, deleted by the apply after " +
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
			// The whole map is sensitive, not password and hashed_password inside it: Terraform handles
			// sensitive values nested in a large map in quadratic time (2000 members with sensitive
			// nested attributes took 3.5 minutes to apply under Terraform 1.15, 32 seconds without).
			"identities": schema.MapNestedAttribute{
				Required:  true,
				Sensitive: true,
				MarkdownDescription: "The identities to import, keyed by a name you choose (for example the email address or the ID in the old system). " +
					"A key is how the provider recognises a member across applies: renaming a key makes it a new member, which finds and records the same identity by its `external_id`, or by its traits when they are unchanged. " +
					"The map is sensitive, because it holds passwords and hashes: plans show it as `(sensitive value)`, and `ids` shows which members an apply adds; " +
					"warnings name the members whose changes are not sent and those removed.",
				NestedObject: schema.NestedAttributeObject{Validators: []validator.Object{onePasswordValidator{}}, Attributes: map[string]schema.Attribute{
					"schema_id": schema.StringAttribute{
						Required: true,
						MarkdownDescription: "ID of the identity schema the traits follow (the `kratos_identity_schemas` data source lists them). " +
							"It tells the provider which traits are login identifiers when a member conflicts with an existing identity.",
						Validators: namedMember(stringvalidator.LengthAtLeast(1)),
					},
					"traits": jsonAttr(true, "The identity's traits as a JSON object, shaped by the identity schema; write it with `jsonencode(...)`. "+
						"Key order, whitespace and the spelling of numbers never cause a difference."),
					"external_id": schema.StringAttribute{
						Optional: true,
						MarkdownDescription: "The user's ID in the old system: the member's stable key. Stored as the identity's `external_id`, which Kratos keeps unique " +
							"(" + kratosclient.ExternalIDReleases + "); an older Kratos has none, so the provider keeps it in the identity's `metadata_admin` under `" + importMarkerKey + "` " +
							"(the member's `metadata_admin` must then be an object). " +
							"The provider recognises the member by it: when the member is renamed, moves to another `kratos_identity_import`, or its request's answer was lost, " +
							"an identity with this external ID is the member, whatever its traits (a user may have changed them), and is recorded instead of created again. " +
							"Two members cannot have the same external ID.",
						Validators: namedMember(stringvalidator.LengthAtLeast(1)),
					},
					"state": schema.StringAttribute{
						Optional:            true,
						MarkdownDescription: fmt.Sprintf("Whether the identity can sign in: one of %s. Kratos makes it `%s` when omitted.", quotedList(identityStates), identityStates[0]),
						Validators:          namedMember(stringvalidator.OneOf(identityStates...)),
					},
					"metadata_public": jsonAttr(false, "Metadata the identity can read (it is part of its session), as a JSON document. "+descMetadataValues, namedMember(metadataValidator{})...),
					"metadata_admin":  jsonAttr(false, "Metadata visible only through the admin API, as a JSON document. "+descMetadataValues, namedMember(metadataValidator{})...),
					"password": schema.StringAttribute{
						Optional: true,
						MarkdownDescription: "Cleartext password, hashed by Kratos when it creates the identity; stored in the state (sensitive, as the whole map). " +
							"Kratos hashes the cleartext passwords of one request one after the other: with bcrypt at cost 12 a request of 200 takes about a minute, " +
							"so raise the provider's `request_timeout` for large imports, or import hashes. A member may have `password` or `hashed_password`, not both.",
						Validators: namedMember(stringvalidator.LengthAtLeast(1)),
					},
					"hashed_password": schema.StringAttribute{
						Optional: true,
						MarkdownDescription: "An existing password hash, so that the user keeps signing in with the old password. " +
							"Kratos v1.3.1 accepts hashes that start with " + quotedList(passwordhash.PrefixDescriptions) + "; the whole hash is checked at plan time. " +
							"A member may have `password` or `hashed_password`, not both.",
						Validators: namedMember(hashedPasswordValidator{}),
					},
					"verified_addresses": schema.SetAttribute{
						Optional:    true,
						ElementType: types.StringType,
						MarkdownDescription: "Addresses, out of those Kratos derives from the traits, to import as already verified. " +
							"One the traits do not produce is not verified, with a warning naming it.",
						Validators: []validator.Set{setvalidator.ValueStringsAre(stringvalidator.LengthAtLeast(1))},
					},
					"oidc_providers": schema.SetNestedAttribute{
						Optional:            true,
						MarkdownDescription: "Social sign-ins (OpenID Connect) to link to the identity.",
						NestedObject:        schema.NestedAttributeObject{Attributes: oidcProviderInputAttributes()},
					},
				}},
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

// namedMember wraps the validators of a member's attribute so that their diagnostics name the
// member: Terraform shows the expression of the whole identities map, which does not say which
// member is meant.
func namedMember(validators ...validator.String) []validator.String {
	out := make([]validator.String, len(validators))
	for i, v := range validators {
		out[i] = memberValidator{v}
	}
	return out
}

// memberValidator runs a validator and prefixes the detail of its diagnostics with the member's key.
type memberValidator struct{ validator.String }

// ValidateString runs the wrapped validator.
func (v memberValidator) ValidateString(ctx context.Context, req validator.StringRequest, resp *validator.StringResponse) {
	var inner validator.StringResponse
	v.String.ValidateString(ctx, req, &inner)
	member := ""
	if name := memberName(req.Path.ParentPath()); name != "" {
		member = "Member " + name + ": "
	}
	for _, d := range inner.Diagnostics {
		if d.Severity() == diag.SeverityError {
			resp.Diagnostics.AddAttributeError(req.Path, d.Summary(), member+d.Detail())
		} else {
			resp.Diagnostics.AddAttributeWarning(req.Path, d.Summary(), member+d.Detail())
		}
	}
}

// memberName returns the quoted key of the member at p (identities["key"]), or "".
func memberName(p path.Path) string {
	if last, _ := p.Steps().LastStep(); last != nil {
		if key, ok := last.(path.PathStepElementKeyString); ok {
			return fmt.Sprintf("%q", string(key))
		}
	}
	return ""
}

// onePasswordValidator refuses a member with both password and hashed_password. It checks the
// member object itself: stringvalidator.ConflictsWith would walk the whole configuration for
// each member, which takes minutes for 10,000 of them.
type onePasswordValidator struct{}

// Description says what the validator accepts.
func (onePasswordValidator) Description(context.Context) string {
	return "a member has at most one of password and hashed_password"
}

// MarkdownDescription says what the validator accepts.
func (v onePasswordValidator) MarkdownDescription(ctx context.Context) string {
	return v.Description(ctx)
}

// ValidateObject checks one member.
func (onePasswordValidator) ValidateObject(_ context.Context, req validator.ObjectRequest, resp *validator.ObjectResponse) {
	a := req.ConfigValue.Attributes()
	if isSet(a["password"]) && isSet(a["hashed_password"]) {
		resp.Diagnostics.AddAttributeError(req.Path, "Conflicting passwords",
			fmt.Sprintf("Member %s sets both password and hashed_password (their values are not shown because they are secret). Keep one of them.", memberName(req.Path)))
	}
}

// isSet reports whether an attribute value is present: known and not null, or unknown.
func isSet(v attr.Value) bool { return v != nil && !v.IsNull() }

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
