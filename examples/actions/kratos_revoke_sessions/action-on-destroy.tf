# Terraform >= 1.16: the sessions that a machine opened as a shared service
# account end with the machine. Whenever the runner is replaced, and when the
# environment is destroyed, every session of the service account is revoked;
# the account itself is managed elsewhere and stays. (Deleting an identity
# deletes its sessions anyway: an after_destroy trigger on a kratos_identity
# has nothing left to revoke.)
variable "runner_image" {
  type    = string
  default = "runner-2026-09"
}

data "kratos_identity" "deploy_bot" {
  credentials_identifier = "deploy-bot@example.org"
}

# Stands for the VM or CI job that signs in as the deploy bot: a new image
# replaces it.
resource "terraform_data" "runner" {
  triggers_replace = var.runner_image

  lifecycle {
    action_trigger {
      events  = [after_destroy]
      actions = [action.kratos_revoke_sessions.deploy_bot]
      # A failed revocation is a warning, and the replacement runner is still
      # created (the default, halt, stops the apply there).
      on_failure = continue
    }
  }
}

action "kratos_revoke_sessions" "deploy_bot" {
  config {
    identity_id = data.kratos_identity.deploy_bot.id
  }
}
