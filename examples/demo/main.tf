# The demo run by `make demo`: a handful of identities against a local in-memory Kratos.
# The provider reads KRATOS_ADMIN_URL and KRATOS_PUBLIC_URL, which the demo sets.
terraform {
  required_providers {
    kratos = {
      source = "kratos-tf/kratos"
    }
  }
}

provider "kratos" {}

# A seeded administrator with a cleartext password (sensitive: kept out of plan output).
resource "kratos_identity" "admin" {
  traits = jsonencode({
    email    = "admin@demo.example"
    username = "admin"
    name     = { first = "Ada", last = "Admin" }
  })
  metadata_public = jsonencode({
    role = "administrator"
  })
  metadata_admin = jsonencode({
    created_by = "terraform"
    ticket     = 4211
  })
  login = {
    password = "demo-admin-password-1"
    # Imported as verified: no verification e-mail is needed.
    verified_addresses = ["admin@demo.example"]
  }
}

# A user migrated from another system with the bcrypt hash of their password;
# they log in with their old password ("migrated-from-legacy-2019").
resource "kratos_identity" "migrated" {
  schema_id = "default"
  traits = jsonencode({
    email = "grace@demo.example"
    tags  = ["migrated", "legacy-2019"]
  })
  login = {
    hashed_password = "$2a$10$tnTglXgE/YS9d1JlnHx11.RAI56bnznaPe4JIhe7di1PwW1INJrHG"
  }
}

# A service account in another schema, with typed traits validated at plan time.
resource "kratos_identity" "ci_bot" {
  schema_id = "employee"
  traits = jsonencode({
    email       = "ci-bot@demo.example"
    department  = "ops"
    employee_id = 7
  })
  metadata_public = jsonencode({ kind = "service-account" })
}

# A former employee, kept but unable to sign in.
resource "kratos_identity" "former" {
  traits = jsonencode({
    email = "former@demo.example"
  })
  state = "inactive"
}

# What Kratos derived from the traits (addresses, login identifiers) is read through the data
# source: the resource's state keeps only what the configuration manages.
data "kratos_identity" "demo" {
  for_each = {
    admin    = kratos_identity.admin.id
    migrated = kratos_identity.migrated.id
    ci_bot   = kratos_identity.ci_bot.id
    former   = kratos_identity.former.id
  }
  id = each.value
}

output "identities" {
  description = "The demo identities as Kratos reports them."
  value = {
    for name, identity in data.kratos_identity.demo : name => {
      id                   = identity.id
      schema_id            = identity.schema_id
      state                = identity.state
      verifiable_addresses = identity.verifiable_addresses
      credentials          = identity.credentials
    }
  }
}
