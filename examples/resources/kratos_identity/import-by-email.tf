# Terraform >= 1.5 and OpenTofu: an import block takes the ID or a credential identifier.
import {
  to = kratos_identity.ada
  id = "ada@example.org"
}

resource "kratos_identity" "ada" {
  schema_id = "default"
  traits = jsonencode({
    email    = "ada@example.org"
    username = "ada"
    name     = { first = "Ada", last = "Lovelace" }
  })
}
