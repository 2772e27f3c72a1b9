#!/usr/bin/env bash
# Runs tfplugindocs ("generate" by default, or "validate") on a provider schema exported by Terraform
# 1.16.4 (bin/terraform-current): Terraform 1.5.7 predates ephemeral resources and write-only attributes,
# and OpenTofu 1.12 has no actions or list resources, so either would leave objects out.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

go build -o "$work/bin/terraform-provider-kratos" "$root"
cat >"$work/main.tf" <<'HCL'
terraform {
  required_providers {
    kratos = { source = "kratos-tf/kratos" }
  }
}
HCL
cat >"$work/cli.tfrc" <<HCL
provider_installation {
  dev_overrides {
    "registry.terraform.io/kratos-tf/kratos" = "$work/bin"
  }
  direct {}
}
HCL
(cd "$work" && TF_CLI_CONFIG_FILE="$work/cli.tfrc" CHECKPOINT_DISABLE=1 "$root/bin/terraform-current" providers schema -json >schema.json)
# tfplugindocs looks the provider up by its short name.
sed -i 's|"registry.terraform.io/kratos-tf/kratos":|"kratos":|' "$work/schema.json"

cd "$root/tools/docs"
"$root/bin/tfplugindocs" "${1:-generate}" --provider-dir ../.. --provider-name kratos --providers-schema "$work/schema.json"
