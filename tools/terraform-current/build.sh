#!/usr/bin/env bash
# Builds Terraform from its source module on the Go module proxy: `go install` cannot, because its go.mod
# replaces nine remote-state backends and internal/legacy with nested folders that the module zip leaves out.
# The recipe drops those backends (azurerm, consul, cos, gcs, kubernetes, oci, oss, pg, s3; local, remote,
# cloud, http and inmem stay), which the acceptance tests never use.
# Usage: build.sh VERSION OUTPUT
set -euo pipefail

version=$1 out=$2
dir=$(GOFLAGS=-mod=mod go mod download -json "github.com/hashicorp/terraform@$version" |
	sed -n 's/^[[:space:]]*"Dir": "\(.*\)",\{0,1\}$/\1/p')
[ -d "$dir" ] || { echo "terraform-current: module download of $version gave no source folder" >&2; exit 1; }

work=$(mktemp -d)
trap 'chmod -R u+w "$work"; rm -rf "$work"' EXIT
cp -R "$dir/." "$work/"
chmod -R u+w "$work"

dropped='internal/backend/remote-state/(azure|consul|cos|gcs|kubernetes|oci|oss|pg|s3)|internal/legacy'
sed -E -i "\#github.com/hashicorp/terraform/($dropped)[ =]#d" "$work/go.mod"
sed -E -i -e "\#\"github.com/hashicorp/terraform/internal/backend/remote-state/(azure|consul|cos|gcs|kubernetes|oci|oss|pg|s3)\"#d" \
	-e '/"(azurerm|consul|cos|gcs|kubernetes|oss|pg|s3|oci)":[[:space:]]+func/d' "$work/internal/backend/init/init.go"

(cd "$work" && go build -mod=mod -trimpath -ldflags "-X github.com/hashicorp/terraform/version.dev=no" -o "$out" .)
