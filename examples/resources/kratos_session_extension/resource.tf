# Extend each of Ada's active sessions once per week: a new week replaces
# the resources, and each replacement extends its session again.
data "kratos_identity" "ada" {
  credentials_identifier = "ada@example.org"
}

data "kratos_identity_sessions" "ada" {
  identity_id = data.kratos_identity.ada.id
  active      = true
}

resource "kratos_session_extension" "ada" {
  for_each   = toset(data.kratos_identity_sessions.ada.sessions[*].id)
  session_id = each.key
  triggers = {
    week = "2025-W23"
  }
}

output "ada_sessions_expire" {
  value = { for id, e in kratos_session_extension.ada : id => e.expires_at }
}
