data "kratos_identity_schemas" "all" {}

output "schema_ids" {
  value = [for s in data.kratos_identity_schemas.all.schemas : s.id]
}
