# Offboarding on every CLI: deactivating the identity revokes its sessions.
variable "leaver_state" {
  type    = string
  default = "active" # set to "inactive" when the person leaves
}

resource "kratos_identity" "leaver" {
  traits = jsonencode({ email = "leaver@example.org" })
  state  = var.leaver_state
}

# Created with the identity (when there is nothing to revoke yet), then
# replaced, which revokes again, whenever the identity's state changes.
resource "kratos_session_revocation" "leaver" {
  identity_id = kratos_identity.leaver.id
  triggers = {
    state = kratos_identity.leaver.state
  }
}

# With Terraform >= 1.14 the kratos_revoke_sessions action does the same
# from an action_trigger, without a resource in the state.
