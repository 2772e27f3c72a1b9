package provider

import (
	"context"
	"encoding/json"

	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
)

var _ resource.ResourceWithUpgradeState = (*identityImportResource)(nil)

// UpgradeState converts states of schema version 0, where identities was a map of member
// objects, to version 1, where it is one JSON document.
func (r *identityImportResource) UpgradeState(context.Context) map[int64]resource.StateUpgrader {
	return map[int64]resource.StateUpgrader{0: {StateUpgrader: upgradeIdentityImportV0}}
}

// upgradeIdentityImportV0 rewrites a version 0 state's identities map as the JSON document the
// configuration now gives, with traits and metadata as JSON values rather than strings; every
// other attribute is kept, and those older states lack are null.
func upgradeIdentityImportV0(_ context.Context, req resource.UpgradeStateRequest, resp *resource.UpgradeStateResponse) {
	var state map[string]json.RawMessage
	if req.RawState == nil || json.Unmarshal(req.RawState.JSON, &state) != nil {
		resp.Diagnostics.AddError("Unable to Upgrade kratos_identity_import State", "The stored state is not a JSON object. Remove the resource from the state and import its members again.")
		return
	}
	text := "{}"
	if identities := state["identities"]; len(identities) > 0 && string(identities) != "null" {
		text = string(identities)
	}
	members, problems, err := decodeImportMembers(text)
	if err != nil || len(problems) > 0 {
		resp.Diagnostics.AddError("Unable to Upgrade kratos_identity_import State",
			"The members stored in the state could not be read. Remove the resource from the state (terraform state rm) and apply again: members already in Kratos are recorded again under their IDs.")
		return
	}
	document := encodeImportMembers(members, &resp.Diagnostics)
	encoded, err := json.Marshal(document.ValueString())
	if err != nil || resp.Diagnostics.HasError() {
		resp.Diagnostics.AddError("Unable to Upgrade kratos_identity_import State", "The members could not be encoded.")
		return
	}
	state["identities"] = encoded
	for name := range identityImportSchema().Attributes {
		if _, ok := state[name]; !ok {
			state[name] = json.RawMessage("null")
		}
	}
	upgraded, err := json.Marshal(state)
	if err != nil {
		resp.Diagnostics.AddError("Unable to Upgrade kratos_identity_import State", err.Error())
		return
	}
	resp.DynamicValue = &tfprotov6.DynamicValue{JSON: upgraded}
}
