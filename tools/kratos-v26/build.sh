#!/usr/bin/env bash
# Builds Kratos from the source archive that ../shared/kratos/ holds (the module proxy serves no Kratos after
# v1.3.1): unpacks it into a temporary folder and builds it with the sqlite tag, stamping the version so that
# GET /version answers it. Its own dependencies come from the module proxy.
# Usage: build.sh VERSION ARCHIVE OUTPUT
set -euo pipefail

version=$1 archive=$2 out=$3
work=$(mktemp -d)
trap 'chmod -R u+w "$work"; rm -rf "$work"' EXIT
tar -xzf "$archive" -C "$work"
src="$work/kratos-$version"
[ -d "$src" ] || { echo "kratos-v26: $archive has no folder kratos-$version" >&2; exit 1; }
(cd "$src" && CGO_ENABLED=1 go build -tags sqlite -trimpath \
	-ldflags "-X github.com/ory/kratos/driver/config.Version=$version" -o "$out" .)
