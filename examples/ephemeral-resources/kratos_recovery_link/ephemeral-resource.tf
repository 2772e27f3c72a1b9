# Requires Terraform >= 1.10 or OpenTofu >= 1.11, and selfservice.methods.link.enabled: true in
# the Kratos configuration. The link is never written to the plan or state.
data "kratos_identity" "ada" {
  credentials_identifier = "ada@example.org"
}

ephemeral "kratos_recovery_link" "ada" {
  identity_id = data.kratos_identity.ada.id
  expires_in  = "15m"
  # Kratos refuses a return_to that selfservice.allowed_return_urls in its configuration does
  # not allow, e.g. allowed_return_urls: ["https://app.example.org/"].
  return_to = "https://app.example.org/welcome"
}

# Hand the link on through something that accepts ephemeral values, such as a
# write-only attribute of another provider:
#
# resource "vault_kv_secret_v2" "ada_recovery" {
#   mount               = "secret"
#   name                = "onboarding/ada"
#   data_json_wo        = jsonencode({ link = ephemeral.kratos_recovery_link.ada.recovery_link })
#   data_json_wo_version = 1
# }
