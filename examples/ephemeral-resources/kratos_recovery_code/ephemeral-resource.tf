# Requires Terraform >= 1.10 or OpenTofu >= 1.11. The code is never written to the plan or state.
data "kratos_identity" "ada" {
  credentials_identifier = "ada@example.org"
}

ephemeral "kratos_recovery_code" "ada" {
  identity_id = data.kratos_identity.ada.id
  expires_in  = "30m"
  flow_type   = "browser"
  # Kratos refuses a return_to that selfservice.allowed_return_urls in its configuration does
  # not allow, e.g. allowed_return_urls: ["https://app.example.org/"].
  return_to = "https://app.example.org/welcome"
}

# Pass it on only to places that accept ephemeral values, such as a provider
# configuration or a write-only attribute; for example a mail-sending provider:
#
# provider "mailer" {
#   body = "Your code is ${ephemeral.kratos_recovery_code.ada.recovery_code}; enter it at ${ephemeral.kratos_recovery_code.ada.recovery_link}"
# }
