# Migrating users from another system with their existing password hashes: they keep
# signing in with their old passwords.
locals {
  legacy_users = {
    "ada@example.org"   = { first = "Ada", last = "Lovelace" }
    "grace@example.org" = { first = "Grace", last = "Hopper" }
  }
}

# The hashes by email, for example from a secret store. Any format Kratos v1.3.1
# imports works: bcrypt, argon2id/argon2i, pbkdf2, scrypt, firescrypt,
# md5/sha256/sha512-crypt, salted SHA, {SSHA*}, md5 and hmac.
variable "legacy_hashes" {
  type      = map(string)
  sensitive = true
  default = {
    # bcrypt hash of "correct horse battery staple".
    "ada@example.org"   = "$2a$10$cfU1aj2BAA6pum3ff8I2sOEGRt5S22Fq89MKI4569LPkSYDYbapcW"
    "grace@example.org" = "$2a$10$cfU1aj2BAA6pum3ff8I2sOEGRt5S22Fq89MKI4569LPkSYDYbapcW"
  }
}

resource "kratos_identity" "migrated" {
  for_each = local.legacy_users

  schema_id = "default"
  traits = jsonencode({
    email = each.key
    name  = each.value
    tags  = ["migrated"]
  })
  metadata_admin = jsonencode({ migrated_from = "legacy" })
  login = {
    hashed_password = var.legacy_hashes[each.key]
    # The old system had verified these addresses already.
    verified_addresses = [each.key]
  }
}
