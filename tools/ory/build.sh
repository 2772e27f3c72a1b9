#!/usr/bin/env bash
# Builds Ory's own Terraform provider (terraform-provider-ory) from the source archive in ../shared/anchors/,
# only so that `make bench` can time it beside this provider on the same Kratos; none of its code is part of
# this project. The module proxy refuses the module itself but serves its dependencies.
# Usage: build.sh ARCHIVE OUTPUT
set -euo pipefail

archive=$1 out=$2
work=$(mktemp -d)
trap 'chmod -R u+w "$work"; rm -rf "$work"' EXIT
tar -xzf "$archive" -C "$work"
src="$work/terraform-provider-ory"
[ -d "$src" ] || { echo "ory: $archive has no folder terraform-provider-ory" >&2; exit 1; }
(cd "$src" && CGO_ENABLED=0 go build -trimpath -o "$out" .)
