# `terraform query` (Terraform 1.14 or later) lists every identity, each named by its first login
# identifier. With -generate-config-out=identities.tf it also writes a resource block and an import
# block (by identity) for each, ready to apply.
list "kratos_identity" "all" {
  provider = kratos
  limit    = 1000 # Terraform stops at 100 results by default
}
