# The 100 newest active sessions, with the devices they were used from.
data "kratos_sessions" "recent" {
  active = true
  limit  = 100
  expand = ["devices"]
}

output "active_identities" {
  value = distinct([for s in data.kratos_sessions.recent.sessions : s.identity_id])
}
