# Reset Ada's second factor after she lost her phone: her TOTP app, recovery
# codes and security keys are deleted, her password stays. A type she does not
# have gives a warning. Change the ticket to reset again.
data "kratos_identity" "ada" {
  credentials_identifier = "ada@example.org"
}

resource "kratos_credentials_deletion" "ada_mfa_reset" {
  identity_id = data.kratos_identity.ada.id
  types       = ["totp", "lookup_secret", "webauthn"]
  triggers = {
    ticket = "HELP-4711"
  }
}

# Unlink Grace's GitHub sign-in; without oidc_identifiers every linked
# provider would be unlinked.
data "kratos_identity" "grace" {
  credentials_identifier = "grace@example.org"
}

resource "kratos_credentials_deletion" "grace_github" {
  identity_id      = data.kratos_identity.grace.id
  types            = ["oidc"]
  oidc_identifiers = ["github:123456"]
}

output "deleted" {
  value = kratos_credentials_deletion.grace_github.deleted_types
}
