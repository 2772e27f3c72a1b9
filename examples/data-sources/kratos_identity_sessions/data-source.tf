data "kratos_identity" "ada" {
  credentials_identifier = "ada@example.org"
}

# Every active session of one identity.
data "kratos_identity_sessions" "ada" {
  identity_id = data.kratos_identity.ada.id
  active      = true
}

output "ada_devices" {
  value = flatten([for s in data.kratos_identity_sessions.ada.sessions : [for d in s.devices : d.user_agent]])
}
