data "kratos_identity_schema" "default" {
  id = "default"
}

# The traits an identity of this schema must have.
output "required_traits" {
  value = jsondecode(data.kratos_identity_schema.default.schema).properties.traits.required
}
