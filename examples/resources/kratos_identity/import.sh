# Import by the identity's ID:
terraform import kratos_identity.ada 0b6a3ef2-3c9e-4d0b-9a4e-2f1b4c1f8b11

# Or by any credential identifier (login email, username, or "provider:subject" of a social sign-in);
# it must belong to exactly one identity:
terraform import kratos_identity.ada ada@example.org

# Or, on Kratos v25.4.0 and later, by its external ID, written as external_id:<value>:
terraform import kratos_identity.ada external_id:crm-4711
