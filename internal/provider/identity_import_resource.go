package provider

import (
	"context"
	"fmt"
	"maps"
	"slices"

	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/tfsdk"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/kratos-tf/terraform-provider-kratos/internal/kratosclient"
)

var (
	_ resource.ResourceWithConfigure    = (*identityImportResource)(nil)
	_ resource.ResourceWithModifyPlan   = (*identityImportResource)(nil)
	_ resource.ResourceWithUpgradeState = (*identityImportResource)(nil)
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
	Identities      types.String `tfsdk:"identities"`
	IDs             types.Map    `tfsdk:"ids"`
	OnConflict      types.String `tfsdk:"on_conflict"`
	DeleteOnDestroy types.Bool   `tfsdk:"delete_on_destroy"`
	Adopted         types.Set    `tfsdk:"adopted"`
	PendingDeletion types.Map    `tfsdk:"pending_deletion"`
}

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

// UpgradeState converts states of schema version 0, where identities was a map of member
// objects, to version 1, where it is one JSON document.
func (r *identityImportResource) UpgradeState(context.Context) map[int64]resource.StateUpgrader {
	attributes := slices.Collect(maps.Keys(identityImportSchema().Attributes))
	return map[int64]resource.StateUpgrader{0: {StateUpgrader: func(_ context.Context, req resource.UpgradeStateRequest, resp *resource.UpgradeStateResponse) {
		upgradeIdentityImportV0(req, resp, attributes)
	}}}
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
		Identities: types.StringNull(), IDs: types.MapNull(types.StringType), Adopted: types.SetNull(types.StringType),
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
	members, priorIDs := membersOf(plan.Identities, &resp.Diagnostics), prior.IDs.Elements()
	priorMembers := members
	if !plan.Identities.Equal(prior.Identities) {
		priorMembers = membersOf(prior.Identities, &resp.Diagnostics)
	}
	if resp.Diagnostics.HasError() {
		return
	}
	planned := make(map[string]attr.Value, len(members))
	var changed, added, gone []string
	for key, member := range members {
		id, imported := priorIDs[key]
		_, known := priorMembers[key]
		switch {
		case imported:
			planned[key] = id
			if !sameConfig(member, priorMembers[key]) {
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
	checkExternalIDs(ctx, r.data, members, slices.Sorted(maps.Keys(members)), added, &resp.Diagnostics)
	checkNewMembers(ctx, r.data, members, added, &resp.Diagnostics)
	addGoneWarning(gone, &resp.Diagnostics)
	ids, d := types.MapValue(types.StringType, planned)
	resp.Diagnostics.Append(d...)
	resp.Diagnostics.Append(resp.Plan.SetAttribute(ctx, path.Root("ids"), ids)...)
	adopted := prior.Adopted
	if adopted.IsNull() || len(planned) != len(priorIDs) || len(added) > 0 {
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
	members := membersOf(plan.Identities, &resp.Diagnostics)
	keys := slices.Sorted(maps.Keys(members))
	checkExternalIDs(ctx, r.data, members, keys, keys, &resp.Diagnostics)
	native := nativeExternalIDs(ctx, r.data, members, keys, &resp.Diagnostics)
	self := newImportResourceID()
	items := importItems(members, keys, self, native, &resp.Diagnostics)
	if resp.Diagnostics.HasError() {
		return
	}
	res := runImport(ctx, client, r.data.schemas, items, importTarget{self: self, native: native, owners: map[string]string{}, adopt: plan.OnConflict.ValueString() != onConflictFail})
	plan.ID, plan.PendingDeletion = types.StringValue(self), stringMap(nil)

	keep := map[string]importMember{}
	for key, member := range members {
		if res.recorded(key) {
			keep[key] = member
		}
	}
	saveImport(ctx, &plan, members, keep, nil, res, nil, &resp.State, &resp.Diagnostics)
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
	members, priorMembers, priorIDs := membersOf(plan.Identities, &resp.Diagnostics), membersOf(state.Identities, &resp.Diagnostics), memberIDs(state.IDs)
	if resp.Diagnostics.HasError() {
		return
	}
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
	checkExternalIDs(ctx, r.data, members, added, added, &resp.Diagnostics)
	native := nativeExternalIDs(ctx, r.data, members, added, &resp.Diagnostics)
	items := importItems(members, added, self, native, &resp.Diagnostics)
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

	keep := map[string]importMember{}
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
	saveImport(ctx, &plan, members, keep, prior, res, adopted, &resp.State, &resp.Diagnostics)
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

// saveImport sets the state after an import: members are the configured members, kept those the
// state keeps (the others are sent again by the next apply), prior the IDs recorded before,
// adopted the members adopted before, res what the import did.
func saveImport(ctx context.Context, plan *identityImportModel, members, kept map[string]importMember, prior map[string]string,
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
	if len(kept) < len(members) {
		plan.Identities = encodeImportMembers(kept, diags)
	}
	var d diag.Diagnostics
	plan.IDs, d = types.MapValue(types.StringType, ids)
	diags.Append(d...)
	plan.Adopted = adoptedSet(stillAdopted)
	diags.Append(state.Set(ctx, plan)...)
}
