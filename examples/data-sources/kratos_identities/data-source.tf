# Every identity (the data source walks all pages itself).
data "kratos_identities" "all" {}

# Inactive identities whose login identifier starts with "contractor-".
data "kratos_identities" "contractors" {
  identifier_prefix = "contractor-"
  state             = "inactive"
}

# A few known identities by ID (IDs that do not exist are skipped), here those of two
# users looked up by email.
data "kratos_identity" "team" {
  for_each               = toset(["ada@example.org", "grace@example.org"])
  credentials_identifier = each.key
}

data "kratos_identities" "chosen" {
  ids = [for i in data.kratos_identity.team : i.id]
}

# The first 10 identities by ID.
data "kratos_identities" "sample" {
  limit = 10
}

output "identity_count" {
  value = length(data.kratos_identities.all.ids)
}

output "emails_by_id" {
  value = { for i in data.kratos_identities.all.identities : i.id => jsondecode(i.traits).email }
}

output "team_states" {
  value = { for i in data.kratos_identities.chosen.identities : jsondecode(i.traits).email => i.state }
}
