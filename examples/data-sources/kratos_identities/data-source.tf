# Every identity (the data source walks all pages itself).
data "kratos_identities" "all" {}

# Inactive identities whose login identifier starts with "contractor-".
data "kratos_identities" "contractors" {
  identifier_prefix = "contractor-"
  state             = "inactive"
}

# A few known identities, and the first 10 identities by ID.
data "kratos_identities" "chosen" {
  ids = ["3f9c8a52-1b7e-4d2a-9c1f-6e2b5d8a7c40", "8d1e5b7a-2c4f-4e9b-b1a3-5f6c7d8e9a0b"]
}

data "kratos_identities" "sample" {
  limit = 10
}

output "identity_count" {
  value = length(data.kratos_identities.all.ids)
}

output "emails_by_id" {
  value = { for i in data.kratos_identities.all.identities : i.id => jsondecode(i.traits).email }
}
