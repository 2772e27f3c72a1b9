#!/usr/bin/env bash
# Builds the pinned test, doc and release tools into bin/ from the Go module proxy, skipping what is already built;
# `postgres` installs Debian's PostgreSQL server (for KRATOS_TEST_BACKEND=postgres) and `gpg` Debian's gnupg (for
# make release-snapshot) when they are missing.
# Each tool has its own module under tools/ so that its dependencies stay out of the provider's go.mod.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
bin="$root/bin"
mkdir -p "$bin"

# build NAME MODULE_DIR PACKAGE [BUILD FLAGS...]: builds PACKAGE inside tools/MODULE_DIR unless bin/NAME is current.
build() {
	local name=$1 dir=$2 pkg=$3
	shift 3
	local stamp="$bin/.$name.stamp"
	local want
	# The stamp covers the pinned versions and the build flags: a change to either rebuilds.
	want=$(cd "$root/tools/$dir" && { cat go.mod go.sum; echo "$pkg $*"; } | sha256sum | cut -d' ' -f1)
	if [ -x "$bin/$name" ] && [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ]; then
		echo "tools: $name is up to date"
		return
	fi
	echo "tools: building $name from the Go module proxy (a few minutes on a cold machine)"
	local start=$SECONDS
	(cd "$root/tools/$dir" && go build "$@" -o "$bin/$name" "$pkg")
	echo "$want" >"$stamp"
	echo "tools: built $name in $((SECONDS - start))s"
}

# build_from_source NAME VERSION SCRIPT: runs tools/SCRIPT VERSION bin/NAME unless bin/NAME is current; for
# tools that `go build` cannot build from the module proxy as they are.
build_from_source() {
	local name=$1 version=$2 script=$3
	local stamp="$bin/.$name.stamp"
	local want
	# The stamp covers the version and the recipe: a change to either rebuilds.
	want=$({ echo "$version"; cat "$root/tools/$script"; } | sha256sum | cut -d' ' -f1)
	if [ -x "$bin/$name" ] && [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ]; then
		echo "tools: $name is up to date"
		return
	fi
	echo "tools: building $name $version from its source module (a few minutes on a cold machine)"
	local start=$SECONDS
	"$root/tools/$script" "$version" "$bin/$name"
	echo "$want" >"$stamp"
	echo "tools: built $name in $((SECONDS - start))s"
}

# ensure_cc installs a C compiler from Debian's packages when there is none: Kratos's SQLite
# driver needs cgo.
ensure_cc() {
	command -v "${CC:-cc}" >/dev/null 2>&1 && return
	echo "tools: no C compiler found; installing gcc from Debian's packages"
	local sudo=""
	[ "$(id -u)" -eq 0 ] || sudo=sudo
	$sudo apt-get update -qq
	DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq gcc libc6-dev
}

# ensure_postgres installs Debian's postgresql when no server is installed: the harness's PostgreSQL
# backend (KRATOS_TEST_BACKEND=postgres) runs initdb and postgres from /usr/lib/postgresql/<version>/bin
# on a temporary cluster of its own, so the system cluster the package starts is stopped again.
ensure_postgres() {
	local d
	for d in /usr/lib/postgresql/*/bin; do
		if [ -x "$d/initdb" ] && [ -x "$d/pg_ctl" ] && [ -x "$d/postgres" ]; then
			echo "tools: postgres is installed ($d)"
			return
		fi
	done
	echo "tools: no PostgreSQL server found; installing postgresql from Debian's packages"
	local sudo=""
	[ "$(id -u)" -eq 0 ] || sudo=sudo
	local start=$SECONDS
	$sudo apt-get update -qq
	# env inside sudo: sudo drops DEBIAN_FRONTEND from the caller's environment.
	$sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql </dev/null
	if command -v pg_lsclusters >/dev/null; then
		local version name _
		while read -r version name _; do
			if $sudo pg_ctlcluster "$version" "$name" stop; then
				echo "tools: stopped the cluster $version/$name that the package started (pg_ctlcluster $version $name start restarts it)"
			fi
		done < <(pg_lsclusters --no-header 2>/dev/null | awk '$4 ~ /^online/')
	fi
	echo "tools: installed postgresql in $((SECONDS - start))s"
}

# ensure_gpg installs Debian's gnupg when gpg is missing: make release-snapshot signs with it, as a release does.
ensure_gpg() {
	command -v gpg >/dev/null 2>&1 && { echo "tools: gpg is installed"; return; }
	echo "tools: no gpg found; installing gnupg from Debian's packages"
	local sudo=""
	[ "$(id -u)" -eq 0 ] || sudo=sudo
	$sudo apt-get update -qq
	$sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq gnupg </dev/null
}

# build_kratos_archive NAME VERSION: builds Kratos VERSION from ../shared/kratos/kratos-VERSION-src.tar.gz into
# bin/NAME unless it is current; without the archive (a machine without ../shared) it says so in one line and
# builds nothing, and the tests that need that version skip with the same reason.
build_kratos_archive() {
	local name=$1 version=$2
	local archive="${KRATOS_ARCHIVE_DIR:-$root/../shared/kratos}/kratos-$version-src.tar.gz"
	if [ ! -f "$archive" ]; then
		echo "tools: $name not built: $archive is missing (the Kratos $version tests will skip)"
		return
	fi
	local stamp="$bin/.$name.stamp"
	local want
	want=$({ echo "$version"; sha256sum <"$archive"; cat "$root/tools/kratos-v26/build.sh"; } | sha256sum | cut -d' ' -f1)
	if [ -x "$bin/$name" ] && [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ]; then
		echo "tools: $name is up to date"
		return
	fi
	echo "tools: building $name ($version) from $archive (a few minutes on a cold machine)"
	local start=$SECONDS
	"$root/tools/kratos-v26/build.sh" "$version" "$archive" "$bin/$name"
	echo "$want" >"$stamp"
	echo "tools: built $name in $((SECONDS - start))s"
}

# build_ory: builds Ory's provider from ../shared/anchors/terraform-provider-ory-src.tar.gz into
# bin/terraform-provider-ory unless it is current, for `make bench` only; without the archive it says so
# in one line, and the benchmark leaves Ory's provider out with the same reason.
build_ory() {
	local archive="${ORY_ARCHIVE:-$root/../shared/anchors/terraform-provider-ory-src.tar.gz}"
	if [ ! -f "$archive" ]; then
		echo "tools: terraform-provider-ory not built: $archive is missing (make bench leaves Ory's provider out)"
		return
	fi
	local stamp="$bin/.terraform-provider-ory.stamp"
	local want
	want=$({ sha256sum <"$archive"; cat "$root/tools/ory/build.sh"; } | sha256sum | cut -d' ' -f1)
	if [ -x "$bin/terraform-provider-ory" ] && [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ]; then
		echo "tools: terraform-provider-ory is up to date"
		return
	fi
	echo "tools: building terraform-provider-ory from $archive (about a minute warm)"
	local start=$SECONDS
	"$root/tools/ory/build.sh" "$archive" "$bin/terraform-provider-ory"
	echo "$want" >"$stamp"
	echo "tools: built terraform-provider-ory in $((SECONDS - start))s"
}

wanted=("$@")
[ ${#wanted[@]} -gt 0 ] || wanted=(kratos kratos-v26 terraform terraform-current tofu tfplugindocs)
for tool in "${wanted[@]}"; do
	case $tool in
	kratos)
		ensure_cc
		CGO_ENABLED=1 build kratos kratos github.com/ory/kratos -tags sqlite -ldflags=-X=github.com/ory/kratos/driver/config.Version=v1.3.1
		;;
	kratos-v26)
		ensure_cc
		build_kratos_archive kratos-v26 v26.2.0
		;;
	terraform) CGO_ENABLED=0 build terraform terraform github.com/hashicorp/terraform ;;
	terraform-current) CGO_ENABLED=0 build_from_source terraform-current v1.16.4 terraform-current/build.sh ;;
	tofu) CGO_ENABLED=0 build tofu tofu github.com/opentofu/opentofu/cmd/tofu -ldflags=-X=github.com/opentofu/opentofu/version.dev=no ;;
	tfplugindocs) CGO_ENABLED=0 build tfplugindocs docs github.com/hashicorp/terraform-plugin-docs/cmd/tfplugindocs ;;
	postgres) ensure_postgres ;;
	gpg) ensure_gpg ;;
	golangci-lint) CGO_ENABLED=0 build golangci-lint lint github.com/golangci/golangci-lint/v2/cmd/golangci-lint ;;
	goreleaser) CGO_ENABLED=0 build goreleaser goreleaser github.com/goreleaser/goreleaser/v2 ;;
	ory) build_ory ;;
	*) echo "tools: unknown tool $tool" >&2; exit 2 ;;
	esac
done
