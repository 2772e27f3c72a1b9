# Offboarding with Terraform >= 1.14: when the identity is deactivated,
# the same apply revokes every one of its sessions.
variable "leaver_state" {
  type    = string
  default = "active" # set to "inactive" when the person leaves
}

resource "kratos_identity" "leaver" {
  traits = jsonencode({ email = "leaver@example.org" })
  state  = var.leaver_state
}

# Follows the identity's state and triggers the action when it changes. The
# trigger is not on the identity, and its condition reads the identity, not
# the variable, so that the example runs on every Terraform with actions:
# 1.16 refuses an action that refers back to the resource triggering it as a
# cycle (it offers `caller.id`, which 1.14 and 1.15 lack), and fails the
# destroy of a resource whose trigger condition reads a variable.
resource "terraform_data" "leaver_state" {
  input = kratos_identity.leaver.state

  lifecycle {
    action_trigger {
      events    = [after_update]
      condition = kratos_identity.leaver.state == "inactive"
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
