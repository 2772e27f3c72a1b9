package provider

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"regexp"
	"slices"

	"github.com/hashicorp/terraform-plugin-framework-validators/setvalidator"
	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/booldefault"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringdefault"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/tfsdk"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/kratos-tf/terraform-provider-kratos/internal/kratosclient"
	"github.com/kratos-tf/terraform-provider-kratos/internal/passwordhash"
)

var (
	_ resource.ResourceWithConfigure  = (*identityImportResource)(nil)
	_ resource.ResourceWithModifyPlan = (*identityImportResource)(nil)
)

// NewIdentityImportResource returns the kratos_identity_import resource.
func NewIdentityImportResource() resource.Resource { return &identityImportResource{} }

// identityImportResource imports many identities at once through Kratos's batch endpoint. Each
// member is created once: later changes of its configuration are not sent, so that what users
// change themselves stays, and a member deleted in Kratos is not created again.
type identityImportResource struct {
	data *providerData
}

// identityImportModel is the resource's state, plan and configuration.
type identityImportModel struct {
	ID              types.String `tfsdk:"id"`
	Identities      types.Map    `tfsdk:"identities"`
	IDs             types.Map    `tfsdk:"ids"`
	OnConflict      types.String `tfsdk:"on_conflict"`
	DeleteOnDestroy types.Bool   `tfsdk:"delete_on_destroy"`
	Adopted         types.Set    `tfsdk:"adopted"`
	PendingDeletion types.Map    `tfsdk:"pending_deletion"`
}

// The values of on_conflict.
const (
	onConflictAdopt = "adopt"
	onConflictFail  = "fail"
)

// onConflictValues lists on_conflict's values, the default first.
var onConflictValues = []string{onConflictAdopt, onConflictFail}

// Metadata names the resource type.
func (r *identityImportResource) Metadata(_ context.Context, req resource.MetadataRequest, resp *resource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_identity_import"
}

// Configure keeps the provider data.
func (r *identityImportResource) Configure(_ context.Context, req resource.ConfigureRequest, resp *resource.ConfigureResponse) {
	r.data = providerDataFrom(req.ProviderData, &resp.Diagnostics)
}

// Schema describes the resource.
func (r *identityImportResource) Schema(_ context.Context, _ resource.SchemaRequest, resp *resource.SchemaResponse) {
	resp.Schema = identityImportSchema()
}

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
				MarkdownDescription: "The resource's own ID, a UUID. When it records an identity it did not create (a member moved from another `kratos_identity_import`, " +
					"renamed, or recognised after a replacement), it writes this ID into the identity's `metadata_admin` under `" + importMarkerKey + "`, and no other " +
					"`kratos_identity_import` then deletes that identity.",
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
					"Do not combine it with `create_before_destroy`, whose destroy of the old object would delete what the new one records.",
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

// ModifyPlan plans ids: members already imported keep their IDs, new members get theirs on
// apply, and members deleted in Kratos stay absent. It warns about members whose changes will
// not be sent and about removed members that stay in Kratos.
func (r *identityImportResource) ModifyPlan(ctx context.Context, req resource.ModifyPlanRequest, resp *resource.ModifyPlanResponse) {
	if req.Plan.Raw.IsNull() {
		return
	}
	var plan identityImportModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	prior := identityImportModel{
		Identities: types.MapNull(plan.Identities.ElementType(ctx)), IDs: types.MapNull(types.StringType), Adopted: types.SetNull(types.StringType),
		PendingDeletion: types.MapNull(types.StringType),
	}
	if !req.State.Raw.IsNull() {
		resp.Diagnostics.Append(req.State.Get(ctx, &prior)...)
	} else {
		markPlannedCreate(ctx, resp.Private, &resp.Diagnostics)
	}
	if resp.Diagnostics.HasError() {
		return
	}
	if plan.Identities.IsUnknown() {
		resp.Diagnostics.Append(resp.Plan.SetAttribute(ctx, path.Root("ids"), types.MapUnknown(types.StringType))...)
		resp.Diagnostics.Append(resp.Plan.SetAttribute(ctx, path.Root("adopted"), types.SetUnknown(types.StringType))...)
		resp.Diagnostics.Append(resp.Plan.SetAttribute(ctx, path.Root("pending_deletion"), types.MapUnknown(types.StringType))...)
		return
	}
	members, priorMembers, priorIDs := plan.Identities.Elements(), prior.Identities.Elements(), prior.IDs.Elements()
	r.checkExternalIDs(ctx, members, slices.Sorted(maps.Keys(members)), &resp.Diagnostics)
	planned := make(map[string]attr.Value, len(members))
	var changed, added, gone []string
	for key, member := range members {
		id, imported := priorIDs[key]
		_, known := priorMembers[key]
		switch {
		case imported:
			planned[key] = id
			if fullyKnown(ctx, member) && !member.Equal(priorMembers[key]) {
				changed = append(changed, key)
			}
		case !known:
			planned[key] = types.StringUnknown()
			added = append(added, key)
		default:
			// Imported, then deleted in Kratos: it is not created again.
			gone = append(gone, key)
		}
	}
	slices.Sort(added)
	r.checkNewMembers(ctx, members, added, &resp.Diagnostics)
	addGoneWarning(gone, &resp.Diagnostics)
	ids, d := types.MapValue(types.StringType, planned)
	resp.Diagnostics.Append(d...)
	resp.Diagnostics.Append(resp.Plan.SetAttribute(ctx, path.Root("ids"), ids)...)
	adopted := prior.Adopted
	if adopted.IsNull() || len(planned) != len(priorIDs) || !fullyKnown(ctx, ids) {
		adopted = types.SetUnknown(types.StringType) // members are added or removed
	}
	resp.Diagnostics.Append(resp.Plan.SetAttribute(ctx, path.Root("adopted"), adopted)...)

	if len(changed) > 0 {
		slices.Sort(changed)
		resp.Diagnostics.AddWarning("Changes to Imported Members Are Not Sent",
			fmt.Sprintf("%s changed after being imported: %s. kratos_identity_import creates each identity once and never updates it, "+
				"so that what users changed themselves stays; the new values are recorded in the state only.\n\n"+
				"To change an imported identity, manage it with a kratos_identity resource instead (import it by its ID from ids).",
				countMembers(len(changed)), shortList(changed, ", ", importListBytes)))
	}
	var removed []string
	for key := range priorIDs {
		if _, ok := members[key]; !ok {
			removed = append(removed, key)
		}
	}
	slices.Sort(removed)
	pending := prior.PendingDeletion
	switch {
	case req.State.Raw.IsNull():
		pending = stringMap(nil)
	case pending.IsNull() || len(pending.Elements()) > 0 || len(added) > 0 || len(removed) > 0:
		pending = types.MapUnknown(types.StringType)
	}
	resp.Diagnostics.Append(resp.Plan.SetAttribute(ctx, path.Root("pending_deletion"), pending)...)
	addRemovalWarnings(removed, prior.PendingDeletion, plan.DeleteOnDestroy.ValueBool(), &resp.Diagnostics)
}

// Create imports every member.
func (r *identityImportResource) Create(ctx context.Context, req resource.CreateRequest, resp *resource.CreateResponse) {
	var plan identityImportModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	client := r.data.clientOrError(&resp.Diagnostics)
	if resp.Diagnostics.HasError() {
		return
	}
	members := plan.Identities.Elements()
	keys := slices.Sorted(maps.Keys(members))
	r.checkExternalIDs(ctx, members, keys, &resp.Diagnostics)
	native := r.nativeExternalIDs(ctx, members, keys, &resp.Diagnostics)
	self := newImportResourceID()
	items := importItems(ctx, members, keys, self, native, &resp.Diagnostics)
	if resp.Diagnostics.HasError() {
		return
	}
	res := runImport(ctx, client, r.data.schemas, items, importTarget{self: self, native: native, owners: map[string]string{}, adopt: plan.OnConflict.ValueString() != onConflictFail})
	plan.ID, plan.PendingDeletion = types.StringValue(self), stringMap(nil)

	keep := map[string]attr.Value{}
	for key, member := range members {
		if res.recorded(key) {
			keep[key] = member
		}
	}
	saveImport(ctx, &plan, keep, nil, res, nil, &resp.State, &resp.Diagnostics)
	clearPrivate(ctx, resp.Private, &resp.Diagnostics)
	res.addDiagnostics(&resp.Diagnostics)
	if resp.Diagnostics.HasError() && len(keep) > 0 {
		resp.Diagnostics.AddWarning("Next Apply Replaces This Resource",
			"Terraform marks a resource whose creation failed as tainted, and replaces it on the next apply. The replacement deletes nothing, even with "+
				"delete_on_destroy = true: it sends every member again and records those already in Kratos under their IDs (one lookup each, by external_id when the "+
				"member has one), so nothing is duplicated or re-created. To send only the members that failed, run terraform untaint (tofu untaint) on this resource before the next apply.")
	}
}

// Read drops from ids and pending_deletion the identities that no longer exist, with one list
// request per kratosclient.MaxListIDs identities.
func (r *identityImportResource) Read(ctx context.Context, req resource.ReadRequest, resp *resource.ReadResponse) {
	var ids, pending types.Map
	var adoptedAttr types.Set
	var self types.String
	resp.Diagnostics.Append(req.State.GetAttribute(ctx, path.Root("ids"), &ids)...)
	resp.Diagnostics.Append(req.State.GetAttribute(ctx, path.Root("adopted"), &adoptedAttr)...)
	resp.Diagnostics.Append(req.State.GetAttribute(ctx, path.Root("id"), &self)...)
	resp.Diagnostics.Append(req.State.GetAttribute(ctx, path.Root("pending_deletion"), &pending)...)
	adopted := readAdopted(ctx, adoptedAttr, req.Private, &resp.Diagnostics)
	client := r.data.clientOrError(&resp.Diagnostics)
	if resp.Diagnostics.HasError() {
		return
	}
	if adoptedAttr.IsNull() { // a state written before the adopted attribute: move the private list into it
		resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("adopted"), adoptedSet(adopted))...)
		clearPrivate(ctx, resp.Private, &resp.Diagnostics)
	}
	if self.IsNull() { // a state written before the id and pending_deletion attributes
		resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("id"), newImportResourceID())...)
		pending = stringMap(nil)
		resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("pending_deletion"), pending)...)
	}
	byID, pendingByID := memberIDs(ids), memberIDs(pending)
	if len(byID)+len(pendingByID) == 0 {
		return
	}
	exists := make(map[string]bool, len(byID))
	check := slices.Concat(slices.Collect(maps.Keys(byID)), slices.Collect(maps.Keys(pendingByID)))
	slices.Sort(check)
	err := listExisting(ctx, client, slices.Compact(check), func(id *kratosclient.Identity) { exists[id.ID] = true })
	if err != nil {
		addClientError(&resp.Diagnostics, "Unable to Read Identity Import", err)
		return
	}
	if len(exists) == len(byID)+len(pendingByID) {
		return
	}
	stillPending := map[string]string{}
	for id, key := range pendingByID {
		if exists[id] {
			stillPending[key] = id
		}
	}
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("pending_deletion"), stringMap(stillPending))...)
	kept := map[string]attr.Value{}
	stillAdopted := map[string]bool{}
	for key, v := range ids.Elements() {
		if exists[stringValue(v)] {
			kept[key], stillAdopted[key] = v, adopted[key]
		}
	}
	maps.DeleteFunc(stillAdopted, func(_ string, a bool) bool { return !a })
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("ids"), types.MapValueMust(types.StringType, kept))...)
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("adopted"), adoptedSet(stillAdopted))...)
}

// Update imports the members added to the map and, with delete_on_destroy, deletes the
// identities of the members removed by the apply before (pending_deletion) and makes those of the
// members removed now pending. Members already imported are not sent.
func (r *identityImportResource) Update(ctx context.Context, req resource.UpdateRequest, resp *resource.UpdateResponse) {
	var plan, state identityImportModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	client := r.data.clientOrError(&resp.Diagnostics)
	adopted := readAdopted(ctx, state.Adopted, req.Private, &resp.Diagnostics)
	if resp.Diagnostics.HasError() {
		return
	}
	self := state.ID.ValueString()
	if self == "" { // a state written before the id attribute
		self = newImportResourceID()
	}
	members, priorMembers, priorIDs := plan.Identities.Elements(), state.Identities.Elements(), memberIDs(state.IDs)
	keyIDs := map[string]string{}
	for id, key := range priorIDs {
		keyIDs[key] = id
	}
	owners := map[string]string{}
	var added, removed []string
	isAdded := map[string]bool{}
	for key := range members {
		if _, ok := priorMembers[key]; !ok {
			added, isAdded[key] = append(added, key), true
		} else if id, ok := keyIDs[key]; ok {
			owners[id] = key
		}
	}
	for key := range priorMembers {
		if _, ok := members[key]; !ok {
			removed = append(removed, key)
		}
	}
	slices.Sort(added)
	r.checkExternalIDs(ctx, members, added, &resp.Diagnostics)
	native := r.nativeExternalIDs(ctx, members, added, &resp.Diagnostics)
	items := importItems(ctx, members, added, self, native, &resp.Diagnostics)
	if resp.Diagnostics.HasError() {
		return
	}
	// Imports come first: a renamed member, or one moved back, then finds and keeps its identity.
	res := runImport(ctx, client, r.data.schemas, items, importTarget{self: self, native: native, owners: owners, adopt: plan.OnConflict.ValueString() != onConflictFail})
	recorded := map[string]bool{}
	for _, id := range res.created {
		recorded[id] = true
	}
	for _, a := range res.adopted {
		recorded[a.id] = true
	}

	pending := map[string]string{}
	if plan.DeleteOnDestroy.ValueBool() {
		due := map[string]string{}
		for key, v := range state.PendingDeletion.Elements() {
			if id := stringValue(v); id != "" && !recorded[id] {
				due[id] = key
			}
		}
		failed := deleteUnclaimed(ctx, client, self, due, &resp.Diagnostics)
		for id, key := range due {
			if failed[id] {
				pending[key] = id
			}
		}
		for _, key := range removed {
			if id, ok := keyIDs[key]; ok && !adopted[key] && !recorded[id] {
				pending[key] = id
			}
		}
	}

	keep := map[string]attr.Value{}
	for key, member := range members {
		if res.recorded(key) || !isAdded[key] {
			keep[key] = member
		}
	}
	prior := map[string]string{}
	for key, id := range keyIDs {
		if _, ok := members[key]; ok {
			prior[key] = id
		}
	}
	plan.ID, plan.PendingDeletion = types.StringValue(self), stringMap(pending)
	saveImport(ctx, &plan, keep, prior, res, adopted, &resp.State, &resp.Diagnostics)
	clearPrivate(ctx, resp.Private, &resp.Diagnostics)
	res.addDiagnostics(&resp.Diagnostics)
}

// Delete deletes, with delete_on_destroy, the identities the resource created (and those pending
// deletion) that no other resource has claimed; otherwise, and when Terraform replaces the
// resource, they stay in Kratos.
func (r *identityImportResource) Delete(ctx context.Context, req resource.DeleteRequest, resp *resource.DeleteResponse) {
	var state identityImportModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	adopted := readAdopted(ctx, state.Adopted, req.Private, &resp.Diagnostics)
	replacing := isReplacement(ctx, req.Private, &resp.Diagnostics)
	if resp.Diagnostics.HasError() {
		return
	}
	byID := memberIDs(state.IDs)
	if state.DeleteOnDestroy.ValueBool() && replacing {
		if len(byID) > 0 {
			resp.Diagnostics.AddWarning("Identities Kept for the Replacement",
				fmt.Sprintf("%s stay in Kratos although delete_on_destroy is true, because Terraform is replacing this resource, not destroying it: "+
					"the new resource records each member already in Kratos under the same ID. An identity whose member the configuration no longer has stays "+
					"in Kratos and leaves Terraform's record.", countIdentities(len(byID))))
		}
		return
	}
	if !state.DeleteOnDestroy.ValueBool() {
		if len(byID) > 0 {
			resp.Diagnostics.AddWarning("Imported Identities Stay in Kratos",
				fmt.Sprintf("%s stay in Kratos, because delete_on_destroy is false: once imported, identities belong to their users. "+
					"Only this resource's record of them was removed.", countIdentities(len(byID))))
		}
		return
	}
	client := r.data.clientOrError(&resp.Diagnostics)
	if resp.Diagnostics.HasError() {
		return
	}
	doomed := memberIDs(state.PendingDeletion)
	for id, key := range byID {
		if !adopted[key] {
			doomed[id] = key
		}
	}
	failed := deleteUnclaimed(ctx, client, state.ID.ValueString(), doomed, &resp.Diagnostics)
	if len(failed) == 0 {
		return
	}
	left := map[string]attr.Value{}
	for id, key := range byID {
		if failed[id] || adopted[key] {
			left[key] = types.StringValue(id)
		}
	}
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("ids"), types.MapValueMust(types.StringType, left))...)
}

// deleteUnclaimed deletes the identities of doomed (IDs to member keys) that exist and that no
// other resource than self has claimed, and reports why others are not deleted. It returns the
// identities it could not delete, which stay recorded so that the next apply tries again.
func deleteUnclaimed(ctx context.Context, client *kratosclient.Client, self string, doomed map[string]string, diags *diag.Diagnostics) map[string]bool {
	failed := map[string]bool{}
	if len(doomed) == 0 {
		return failed
	}
	mine, elsewhere, err := unclaimed(ctx, client, self, slices.Sorted(maps.Keys(doomed)))
	if err != nil {
		addClientError(diags, "Unable to Delete Imported Identities", err)
		for id := range doomed {
			failed[id] = true
		}
		return failed
	}
	errs := deleteIdentities(ctx, client, mine)
	for id := range errs {
		failed[id] = true
	}
	addDeleteErrors(diags, errs, doomed)
	if len(elsewhere) > 0 {
		keys := make([]string, len(elsewhere))
		for i, id := range elsewhere {
			keys[i] = doomed[id]
		}
		slices.Sort(keys)
		diags.AddWarning("Identities Kept for Another Import",
			fmt.Sprintf("%s not deleted, because another kratos_identity_import now records their identities (the members moved there): %s.",
				memberCountVerb(len(keys)), shortList(keys, ", ", importListBytes)))
	}
	return failed
}

// stringMap is a map of strings as a Terraform value.
func stringMap(m map[string]string) types.Map {
	elems := make(map[string]attr.Value, len(m))
	for k, v := range m {
		elems[k] = types.StringValue(v)
	}
	return types.MapValueMust(types.StringType, elems)
}

// saveImport sets the state after an import: members holds the configured members the state
// keeps, prior the IDs recorded before, adopted the members adopted before, res what the import did.
func saveImport(ctx context.Context, plan *identityImportModel, members map[string]attr.Value, prior map[string]string,
	res importResult, adopted map[string]bool, state *tfsdk.State, diags *diag.Diagnostics,
) {
	ids := map[string]attr.Value{}
	stillAdopted := map[string]bool{}
	for key, id := range prior {
		ids[key] = types.StringValue(id)
		if adopted[key] {
			stillAdopted[key] = true
		}
	}
	for key, id := range res.created {
		ids[key] = types.StringValue(id)
	}
	for key, a := range res.adopted {
		ids[key] = types.StringValue(a.id)
		stillAdopted[key] = true
	}
	var d diag.Diagnostics
	plan.Identities, d = types.MapValue(plan.Identities.ElementType(ctx), members)
	diags.Append(d...)
	plan.IDs, d = types.MapValue(types.StringType, ids)
	diags.Append(d...)
	plan.Adopted = adoptedSet(stillAdopted)
	diags.Append(state.Set(ctx, plan)...)
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

// countMembers renders "1 member" or "N members".
func countMembers(n int) string { return plural(n, "member") }

// countIdentities renders "1 identity" or "N identities".
func countIdentities(n int) string {
	if n == 1 {
		return "1 identity"
	}
	return fmt.Sprintf("%d identities", n)
}

// plural renders n and the noun, with an s when n is not 1.
func plural(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
}
