#!/usr/bin/env bash
# Rehearses a release: runs bin/goreleaser on .goreleaser.yml in snapshot mode into dist/ (the zips, SHA256SUMS,
# the registry manifest and SHA256SUMS.sig), then checks the checksums and the signature as a registry would.
# Usage: release-snapshot.sh [DIST_DIR] (dist by default; goreleaser empties it first)
# The signature is made with the same `signs` block as a real release, by gpg with a throwaway RSA key generated
# here in a temporary GNUPGHOME; its public key is written to dist/ beside the signature. A real release imports
# its key into gpg and sets GPG_FINGERPRINT instead (see README, "Publishing").
# RELEASE_TARGETS="linux_amd64 darwin_arm64" builds only those of the configured targets (the whole list by default).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"

dist=${1:-dist}
work=$(mktemp -d)
trap 'gpgconf --homedir "$work/gnupg" --kill all >/dev/null 2>&1 || true; rm -rf "$work"' EXIT

# The configuration goreleaser runs: .goreleaser.yml with the output folder, less the target entries
# (`      - os_arch`) that RELEASE_TARGETS does not name.
config=$work/goreleaser.yml
awk -v wanted="${RELEASE_TARGETS:-}" '
	BEGIN { n = split(wanted, w, " "); for (i = 1; i <= n; i++) keep[w[i]] = 1 }
	n > 0 && /^      - [a-z0-9]+_[a-z0-9]+$/ && !($2 in keep) { next }
	{ print }' .goreleaser.yml >"$config"
echo "dist: $dist" >>"$config"
for target in ${RELEASE_TARGETS:-}; do
	grep -qx "      - $target" "$config" || { echo "release-snapshot: $target is not a target of .goreleaser.yml" >&2; exit 2; }
done

# A throwaway signing key. RSA: the public Terraform registry accepts RSA and DSA keys only.
command -v gpg >/dev/null || tools/install.sh gpg
export GNUPGHOME=$work/gnupg
mkdir -m 700 "$GNUPGHOME"
gpg --batch --quiet --passphrase '' --quick-generate-key \
	"terraform-provider-kratos release rehearsal <rehearsal@example.invalid>" rsa3072 sign 1d
GPG_FINGERPRINT=$(gpg --batch --with-colons --list-secret-keys | awk -F: '$1 == "fpr" { print $10; exit }')
export GPG_FINGERPRINT

start=$SECONDS
"$root/bin/goreleaser" release --snapshot --clean --config "$config"
echo "release-snapshot: goreleaser took $((SECONDS - start))s"

sums=$(ls "$dist"/*_SHA256SUMS)
# goreleaser lists the manifest in SHA256SUMS and uploads it under this name on a release, but leaves no copy in dist/.
cp terraform-registry-manifest.json "${sums%_SHA256SUMS}_manifest.json"
(cd "$dist" && sha256sum --check --strict --quiet "$(basename "$sums")")
gpg --batch --armor --export "$GPG_FINGERPRINT" >"${sums%_SHA256SUMS}_signing_key.asc"
gpg --batch --quiet --verify "$sums.sig" "$sums"
echo "release-snapshot: good signature on $sums by the throwaway key $GPG_FINGERPRINT"
echo "release-snapshot: artifacts in $dist/:"
(cd "$dist" && ls -l -- *.zip *_SHA256SUMS* *_manifest.json *.asc)
