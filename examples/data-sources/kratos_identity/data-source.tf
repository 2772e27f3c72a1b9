# By login email (matched case-insensitively) or username.
data "kratos_identity" "ada" {
  credentials_identifier = "ada@example.org"
}

# By ID, such as the id that a resource or another data source reports.
data "kratos_identity" "by_id" {
  id = data.kratos_identity.ada.id
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

output "github_user_email" {
  value = jsondecode(data.kratos_identity.github_user.traits).email
}
