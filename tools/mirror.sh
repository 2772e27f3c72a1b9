#!/usr/bin/env bash
# Lays the release in dist/ (from `make release-snapshot` or a downloaded release) out as a filesystem mirror for
# kratos-tf/kratos under both registries' host names, after checking every zip against SHA256SUMS.
# Usage: mirror.sh MIRROR_DIR [DIST_DIR]
set -euo pipefail
mirror=$1 dist=${2:-dist}
shopt -s nullglob
sums=("$dist"/terraform-provider-kratos_*_SHA256SUMS)
[ ${#sums[@]} -eq 1 ] || { echo "mirror: want one terraform-provider-kratos_*_SHA256SUMS in $dist, found ${#sums[@]}" >&2; exit 1; }
zips=("$dist"/terraform-provider-kratos_*.zip)
[ ${#zips[@]} -gt 0 ] || { echo "mirror: no release zips in $dist" >&2; exit 1; }
# Every zip must be listed and match; SHA256SUMS may list platforms that were not downloaded.
for zip in "${zips[@]}"; do
	awk -v f="$(basename "$zip")" '$2 == f { found = 1 } END { exit !found }' "${sums[0]}" || { echo "mirror: $zip is not in ${sums[0]}" >&2; exit 1; }
done
(cd "$dist" && sha256sum --check --strict --quiet --ignore-missing "$(basename "${sums[0]}")")
for host in registry.terraform.io registry.opentofu.org; do
	dir=$mirror/$host/kratos-tf/kratos
	mkdir -p "$dir"
	cp "${zips[@]}" "${sums[0]}" "$dir/"
done
echo "mirror: ${#zips[@]} zip(s) of $(basename "${sums[0]}" _SHA256SUMS) in $mirror/{registry.terraform.io,registry.opentofu.org}/kratos-tf/kratos"
