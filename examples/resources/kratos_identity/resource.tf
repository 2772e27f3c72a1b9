# A user with a login email and username, verified email address and metadata.
resource "kratos_identity" "ada" {
  schema_id = "default"
  traits = jsonencode({
    email    = "ada@example.org"
    username = "ada"
    name     = { first = "Ada", last = "Lovelace" }
  })
  metadata_public = jsonencode({ plan = "pro" })
  metadata_admin  = jsonencode({ crm_id = 4211 })

  login = {
    # Write-only (Terraform >= 1.11, OpenTofu >= 1.11): never stored in the state.
    # Bump the version to send a new password.
    password_wo         = var.ada_initial_password
    password_wo_version = 1

    # Mark the address verified: no verification e-mail is needed.
    verified_addresses = ["ada@example.org"]
  }
}

variable "ada_initial_password" {
  type      = string
  sensitive = true
}

# A service account that cannot sign in, with a linked social sign-in.
resource "kratos_identity" "ci_bot" {
  traits = jsonencode({ email = "ci-bot@example.org" })
  state  = "inactive"

  login = {
    oidc_providers = [
      { provider = "github", subject = "123456" },
    ]
  }
}

# Traits in a heredoc work the same: key order, whitespace and number
# formatting never cause a difference.
resource "kratos_identity" "grace" {
  traits = <<-EOT
    {
      "name": { "last": "Hopper", "first": "Grace" },
      "email": "grace@example.org"
    }
  EOT
  login = {
    password = "only-for-Terraform-older-than-1.11" # stored in the state, marked sensitive
  }
}
