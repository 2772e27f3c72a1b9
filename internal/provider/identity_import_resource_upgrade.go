package provider

import (
	"encoding/json"

	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
)

// upgradeIdentityImportV0 rewrites a version 0 state's identities map as the JSON document the
// configuration now gives, with traits and metadata as JSON values rather than strings; every
// other attribute is kept, and those of attributes that older states lack are null.
func upgradeIdentityImportV0(req resource.UpgradeStateRequest, resp *resource.UpgradeStateResponse, attributes []string) {
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
	for _, name := range attributes {
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
