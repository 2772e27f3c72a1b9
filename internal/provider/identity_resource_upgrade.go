package provider

import (
	"context"
	"encoding/json"

	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
)

// identityLoginV0Attributes are the top-level attributes of a version 0 state that login now holds.
var identityLoginV0Attributes = []string{"password", "password_wo", "password_wo_version", "hashed_password", "oidc_providers", "verified_addresses"}

// UpgradeState converts states of schema version 0, where the password forms, oidc_providers and
// verified_addresses were top-level attributes and organization_id was recorded.
func (r *identityResource) UpgradeState(context.Context) map[int64]resource.StateUpgrader {
	return map[int64]resource.StateUpgrader{0: {StateUpgrader: func(_ context.Context, req resource.UpgradeStateRequest, resp *resource.UpgradeStateResponse) {
		upgradeIdentityV0(req, resp)
	}}}
}

// upgradeIdentityV0 moves the login attributes of a version 0 state into login, which stays null
// when all of them are null. An empty set counts as null: version 0 reported the linked social
// sign-ins as [] when none was configured, and import recorded [] verified addresses.
func upgradeIdentityV0(req resource.UpgradeStateRequest, resp *resource.UpgradeStateResponse) {
	var state map[string]json.RawMessage
	if req.RawState == nil || json.Unmarshal(req.RawState.JSON, &state) != nil {
		resp.Diagnostics.AddError("Unable to Upgrade kratos_identity State",
			"The stored state is not a JSON object. Remove the resource from the state (terraform state rm) and import the identity again.")
		return
	}
	login := make(map[string]json.RawMessage, len(identityLoginV0Attributes))
	set := false
	for _, name := range identityLoginV0Attributes {
		value := state[name]
		if len(value) == 0 || string(value) == "null" || string(value) == "[]" {
			value = json.RawMessage("null")
		} else {
			set = true
		}
		login[name] = value
	}
	// Kept: the attributes of version 1 outside login. Dropped: organization_id, and what states
	// of earlier releases recorded (verifiable_addresses, credentials); the data source reports them.
	upgraded := map[string]json.RawMessage{"login": json.RawMessage("null")}
	for _, name := range []string{"id", "schema_id", "traits", "state", "metadata_public", "metadata_admin", "external_id"} {
		upgraded[name] = json.RawMessage("null")
		if value, ok := state[name]; ok {
			upgraded[name] = value
		}
	}
	if set {
		encoded, err := json.Marshal(login)
		if err != nil {
			resp.Diagnostics.AddError("Unable to Upgrade kratos_identity State", err.Error())
			return
		}
		upgraded["login"] = encoded
	}
	encoded, err := json.Marshal(upgraded)
	if err != nil {
		resp.Diagnostics.AddError("Unable to Upgrade kratos_identity State", err.Error())
		return
	}
	resp.DynamicValue = &tfprotov6.DynamicValue{JSON: encoded}
}
