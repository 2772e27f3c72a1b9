data "kratos_session" "this" {
  id     = "9a7b3c2d-4e5f-4a6b-8c7d-0e1f2a3b4c5d"
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
