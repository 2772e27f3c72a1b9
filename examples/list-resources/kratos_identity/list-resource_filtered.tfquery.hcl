# The active employees whose login identifier starts with "ada", with the full state of each
# (include_resource) as kratos_identity would import it. All filters are optional and combine with AND.
list "kratos_identity" "employees" {
  provider         = kratos
  include_resource = true

  config {
    identifier_prefix = "ada"
    schema_id         = "employee"
    state             = "active"
  }
}
