# Reset the second factor of a user who lost their phone (Terraform >= 1.14).
# The password stays: Ada signs in with it and sets up a new authenticator.
data "kratos_identity" "ada" {
  credentials_identifier = "ada@example.org"
}

action "kratos_delete_credentials" "ada_lost_phone" {
  config {
    identity_id = data.kratos_identity.ada.id
    types       = ["totp", "lookup_secret", "webauthn"]
  }
}

# Run it on demand:
#   terraform apply -invoke=action.kratos_delete_credentials.ada_lost_phone
# or as part of an apply, whenever the support ticket changes:
resource "terraform_data" "ada_mfa_reset" {
  input = "HELP-4711"

  lifecycle {
    action_trigger {
      events  = [after_create, after_update]
      actions = [action.kratos_delete_credentials.ada_lost_phone]
    }
  }
}

# Unlink one social sign-in provider, on demand; without oidc_identifiers
# every linked provider is unlinked.
data "kratos_identity" "grace" {
  credentials_identifier = "grace@example.org"
}

action "kratos_delete_credentials" "grace_github" {
  config {
    identity_id      = data.kratos_identity.grace.id
    types            = ["oidc"]
    oidc_identifiers = ["github:123456"]
  }
}
