#!/usr/bin/env bash
# Regenerates docs/ with tfplugindocs. It reads the provider schema through OpenTofu, because
# Terraform 1.5.7 predates ephemeral resources and write-only attributes and would leave them out.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
shim=$(mktemp -d)
trap 'rm -rf "$shim"' EXIT
ln -s "$root/bin/tofu" "$shim/terraform"
export PATH="$shim:$root/bin:$PATH"
export TF_CLI_CONFIG_FILE="$root/tools/cli.tfrc" CHECKPOINT_DISABLE=1
cd "$root/tools/docs"
tfplugindocs generate --provider-dir ../.. --provider-name kratos
