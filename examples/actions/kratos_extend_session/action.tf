# Keep a wall display signed in (Terraform >= 1.14): each new week extends
# the display account's active sessions by Kratos's session lifespan.
data "kratos_identity" "ada" {
  credentials_identifier = "ada@example.org"
}

data "kratos_identity_sessions" "ada" {
  identity_id = data.kratos_identity.ada.id
  active      = true
}

action "kratos_extend_session" "ada" {
  config {
    session_id = data.kratos_identity_sessions.ada.sessions[0].id
  }
}

resource "terraform_data" "display_week" {
  input = "2025-W23"

  lifecycle {
    action_trigger {
      events  = [after_create, after_update]
      actions = [action.kratos_extend_session.ada]
    }
  }
}

# Or on demand: terraform apply -invoke=action.kratos_extend_session.ada
