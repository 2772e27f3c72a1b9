# Users exported from the old system as CSV, with their bcrypt password hashes (here all of
# "correct horse battery staple"). A real export is a file: csvdecode(file("users.csv")).
locals {
  legacy_users = csvdecode(<<-CSV
    user_id,email,first_name,last_name,password_hash,email_verified
    u-1001,margaret@example.org,Margaret,Hamilton,$2a$10$9sYkl1351YBxT19OBA2DHuoQlbko.gLVpdzTBWFxMTSCA3HoxL332,true
    u-1002,katherine@example.org,Katherine,Johnson,$2a$10$kn5UcIGFm7nD51m1HoRISeyCshvzjTDKg9wdLP7J3kgeWbiizmVBa,true
    u-1003,dorothy@example.org,Dorothy,Vaughan,$2a$10$b/L2RvTl4m2GbeEs/4KJOeRlAdpTlcrQNlwyCBiLzVpO2drsREXje,false
  CSV
  )
}

# One resource for the whole export: Kratos's batch endpoint creates up to 1000 identities per
# request. Each user is created once; later runs send only users added to the export. Members are
# keyed by the old system's ID, which never changes, and carry it as external_id: the provider
# recognises each user by it even after their email changed in the export. identities is one
# JSON document, which keeps a plan of tens of thousands of members to seconds.
resource "kratos_identity_import" "legacy" {
  identities = jsonencode({
    for u in local.legacy_users : u.user_id => {
      schema_id   = "default"
      external_id = u.user_id
      traits = {
        email = u.email
        name  = { first = u.first_name, last = u.last_name }
        tags  = ["migrated"]
      }
      hashed_password    = u.password_hash
      verified_addresses = u.email_verified == "true" ? [u.email] : []
      metadata_admin     = { migrated_from = "legacy" }
    }
  })

  # A rehearsal in staging: terraform destroy removes the identities again. Leave it out
  # (false) for the production migration, where imported identities belong to their users.
  delete_on_destroy = true
}

# The Kratos identity ID of each migrated user, by the old system's ID.
output "migrated_ids" {
  value = kratos_identity_import.legacy.ids
}
