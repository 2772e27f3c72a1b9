# A session by ID, here the first of Ada's active sessions.
data "kratos_identity" "ada" {
  credentials_identifier = "ada@example.org"
}

data "kratos_identity_sessions" "ada" {
  identity_id = data.kratos_identity.ada.id
  active      = true
}

data "kratos_session" "this" {
  id     = data.kratos_identity_sessions.ada.sessions[0].id
  expand = ["identity", "devices"]
}

output "session" {
  value = {
    active    = data.kratos_session.this.active
    user      = jsondecode(data.kratos_session.this.identity.traits).email
    last_ip   = try(data.kratos_session.this.devices[0].ip_address, null)
    expires   = data.kratos_session.this.expires_at
    mfa_level = data.kratos_session.this.authenticator_assurance_level
  }
}
