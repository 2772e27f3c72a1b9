# By ID.
data "kratos_identity" "by_id" {
  id = "3f9c8a52-1b7e-4d2a-9c1f-6e2b5d8a7c40"
}

# By login email (matched case-insensitively) or username.
data "kratos_identity" "ada" {
  credentials_identifier = "ada@example.org"
}

# By social sign-in, with the linked providers' configuration (sensitive: it holds tokens).
data "kratos_identity" "github_user" {
  credentials_identifier = "github:123456"
  include_credential     = ["oidc"]
}

output "ada_name" {
  value = jsondecode(data.kratos_identity.ada.traits).name
}

output "ada_email_verified" {
  value = data.kratos_identity.ada.verifiable_addresses[0].verified
}
