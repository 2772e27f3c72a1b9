# Offboarding with Terraform >= 1.14: when the identity is deactivated,
# the same apply revokes every one of its sessions.
variable "leaver_state" {
  type    = string
  default = "active" # set to "inactive" when the person leaves
}

resource "kratos_identity" "leaver" {
  traits = jsonencode({ email = "leaver@example.org" })
  state  = var.leaver_state

  lifecycle {
    action_trigger {
      events    = [after_update]
      condition = var.leaver_state == "inactive"
      actions   = [action.kratos_revoke_sessions.leaver]
    }
  }
}

action "kratos_revoke_sessions" "leaver" {
  config {
    identity_id = kratos_identity.leaver.id
  }
}

# A single session, for example one reported as stolen, is revoked on
# demand with: terraform apply -invoke=action.kratos_revoke_sessions.stolen
action "kratos_revoke_sessions" "stolen" {
  config {
    session_id = "0b6e7f1c-93a4-4a50-8c35-7d2f4e9b1a68"
  }
}
