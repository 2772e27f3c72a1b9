// Package identityschema holds what the provider knows of Kratos identity schemas without Terraform:
// compiling them with Kratos's format checks and extension, validating traits as Kratos does, and
// finding the trait values Kratos derives login identifiers and addresses from.
package identityschema
