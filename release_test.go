package main

import (
	"archive/zip"
	"bytes"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"slices"
	"strings"
	"testing"

	"golang.org/x/mod/sumdb/dirhash"

	"github.com/kratos-tf/terraform-provider-kratos/internal/kratosclient"
	"github.com/kratos-tf/terraform-provider-kratos/internal/kratostest"
)

// envMirror names the filesystem mirror that TestMirrorInstall installs from; make test-mirror lays it out.
const envMirror = "KRATOS_TEST_MIRROR"

// mirrorCLI is a CLI in bin/ and the registry host its source address "kratos-tf/kratos" means.
type mirrorCLI struct {
	bin, host string
}

// mirrorCLIs are the CLIs the provider is installed with: Terraform 1.5.7, Terraform 1.16.4, OpenTofu 1.12.6.
var mirrorCLIs = []mirrorCLI{
	{"terraform", "registry.terraform.io"},
	{"terraform-current", "registry.terraform.io"},
	{"tofu", "registry.opentofu.org"},
}

// lockMismatch is how every CLI refuses a package that matches none of the lock file's hashes.
var lockMismatch = regexp.MustCompile(`doesn't\s+match\s+any\s+of\s+the\s+checksums\s+previously\s+recorded\s+in\s+the\s+dependency\s+lock\s+file`)

// TestMirrorInstall installs the provider as users do, with init from a filesystem mirror of a release (no
// dev_overrides), under each CLI; uses it against a real Kratos; and checks the lock file against the release.
func TestMirrorInstall(t *testing.T) {
	mirror := os.Getenv(envMirror)
	if mirror == "" {
		t.Skipf("%s is not set: make test-mirror rehearses a release, lays it out as a mirror and runs this test", envMirror)
	}
	inst := kratostest.StartT(t, kratostest.Options{})
	client, err := kratosclient.New(inst.AdminURL)
	if err != nil {
		t.Fatal(err)
	}
	for _, cli := range mirrorCLIs {
		t.Run(cli.bin, func(t *testing.T) {
			pkg := readMirrorPackage(t, filepath.Join(mirror, cli.host, "kratos-tf", "kratos"))
			r := newMirrorRun(t, cli, mirror)
			email := fmt.Sprintf("mirror-%s@example.test", cli.bin)

			// A first init records the hash of the package it installed.
			work := r.workDir(t, pkg.version, inst, email, "")
			r.run(t, work, "init", "-input=false")
			lock := readLock(t, work, cli.host)
			if lock.version != pkg.version || !slices.Contains(lock.hashes, pkg.h1) {
				t.Fatalf("lock file: version %s with hashes %v, want %s with %s (the zip's contents)", lock.version, lock.hashes, pkg.version, pkg.h1)
			}
			r.run(t, work, "apply", "-input=false", "-auto-approve")
			id := strings.TrimSpace(r.run(t, work, "output", "-raw", "id"))
			identity, err := client.GetIdentity(t.Context(), id)
			if err != nil {
				t.Fatalf("the identity the apply created: %v", err)
			}
			if !bytes.Contains(identity.Traits, []byte(email)) {
				t.Errorf("identity %s has traits %s, want the email %s", id, identity.Traits, email)
			}
			r.run(t, work, "plan", "-input=false", "-detailed-exitcode") // exit code 2 (changes) fails the run
			r.run(t, work, "destroy", "-input=false", "-auto-approve")
			if _, err := client.GetIdentity(t.Context(), id); !kratosclient.IsNotFound(err) {
				t.Errorf("identity %s after destroy: %v, want not found", id, err)
			}

			// A lock file pinned to the zip's line in SHA256SUMS, as a release publishes it: init verifies the
			// zip against it and adds the hash of the contents.
			pinned := fmt.Sprintf("provider %q {\n  version     = %q\n  constraints = %q\n  hashes = [\n    %q,\n  ]\n}\n",
				cli.host+"/kratos-tf/kratos", pkg.version, pkg.version, pkg.zh)
			work = r.workDir(t, pkg.version, inst, email, pinned)
			r.run(t, work, "init", "-input=false")
			if after := readLock(t, work, cli.host); !slices.Contains(after.hashes, pkg.zh) || !slices.Contains(after.hashes, pkg.h1) {
				t.Errorf("lock file pinned to %s from SHA256SUMS has hashes %v after init, want it and %s", pkg.zh, after.hashes, pkg.h1)
			}

			// A tampered zip is refused whichever hash the lock file has.
			tampered := newMirrorRun(t, cli, tamperedMirror(t, pkg, cli.host))
			for name, lockFile := range map[string]string{"the first init's": lock.text, "pinned to SHA256SUMS": pinned} {
				work := tampered.workDir(t, pkg.version, inst, email, lockFile)
				out, err := tampered.cmd(work, "init", "-input=false").CombinedOutput()
				if err == nil || !lockMismatch.Match(out) {
					t.Errorf("init of a tampered zip with the lock file %s: %v, want a checksum mismatch; output:\n%s", name, err, out)
				}
			}
		})
	}
}

// mirrorPackage is the host platform's zip in a mirror and its hashes in the lock file's schemes.
type mirrorPackage struct {
	version, zip string
	// zh is the zip's SHA-256 from SHA256SUMS, h1 the hash of its contents (what init computes).
	zh, h1 string
}

// readMirrorPackage finds the host platform's zip in dir and its line in the SHA256SUMS beside it.
func readMirrorPackage(t *testing.T, dir string) mirrorPackage {
	t.Helper()
	platform := runtime.GOOS + "_" + runtime.GOARCH
	zips, err := filepath.Glob(filepath.Join(dir, "terraform-provider-kratos_*_"+platform+".zip"))
	if err != nil || len(zips) != 1 {
		t.Fatalf("want one %s zip in %s, found %v (%v)", platform, dir, zips, err)
	}
	name := filepath.Base(zips[0])
	pkg := mirrorPackage{
		version: strings.TrimSuffix(strings.TrimPrefix(name, "terraform-provider-kratos_"), "_"+platform+".zip"),
		zip:     zips[0],
	}
	sums, err := os.ReadFile(filepath.Join(dir, "terraform-provider-kratos_"+pkg.version+"_SHA256SUMS"))
	if err != nil {
		t.Fatal(err)
	}
	for line := range strings.Lines(string(sums)) {
		if sum, file, ok := strings.Cut(strings.TrimSpace(line), "  "); ok && file == name {
			pkg.zh = "zh:" + sum
		}
	}
	if pkg.zh == "" {
		t.Fatalf("SHA256SUMS has no line for %s:\n%s", name, sums)
	}
	if pkg.h1, err = dirhash.HashZip(pkg.zip, dirhash.Hash1); err != nil {
		t.Fatal(err)
	}
	return pkg
}

// tamperedMirror returns a mirror holding pkg's zip with one byte of the provider binary changed: still a valid
// zip of the same files, but not the released one.
func tamperedMirror(t *testing.T, pkg mirrorPackage, host string) string {
	t.Helper()
	mirror := t.TempDir()
	dir := filepath.Join(mirror, host, "kratos-tf", "kratos")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	in, err := zip.OpenReader(pkg.zip)
	if err != nil {
		t.Fatal(err)
	}
	defer in.Close()
	var buf bytes.Buffer
	out := zip.NewWriter(&buf)
	for _, f := range in.File {
		data, err := readZipFile(f)
		if err != nil {
			t.Fatal(err)
		}
		if strings.HasPrefix(f.Name, "terraform-provider-kratos") {
			data[len(data)-1] ^= 0xff
		}
		w, err := out.CreateHeader(&zip.FileHeader{Name: f.Name, Method: zip.Deflate, Modified: f.Modified})
		if err == nil {
			_, err = w.Write(data)
		}
		if err != nil {
			t.Fatal(err)
		}
	}
	if err := out.Close(); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, filepath.Base(pkg.zip)), buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	return mirror
}

// readZipFile returns the contents of f.
func readZipFile(f *zip.File) ([]byte, error) {
	r, err := f.Open()
	if err != nil {
		return nil, err
	}
	defer r.Close()
	return io.ReadAll(r)
}

// mirrorRun runs a CLI whose only provider source is a filesystem mirror.
type mirrorRun struct {
	cli mirrorCLI
	bin string
	env []string
}

// newMirrorRun writes a CLI configuration with only a filesystem_mirror of mirror and returns a runner using it.
func newMirrorRun(t *testing.T, cli mirrorCLI, mirror string) *mirrorRun {
	t.Helper()
	bin, err := filepath.Abs(filepath.Join("bin", cli.bin))
	if err != nil {
		t.Fatal(err)
	}
	cfg := filepath.Join(t.TempDir(), "cli.tfrc")
	text := fmt.Sprintf("provider_installation {\n  filesystem_mirror {\n    path = %q\n  }\n}\n", mirror)
	if err := os.WriteFile(cfg, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	env := slices.DeleteFunc(os.Environ(), func(kv string) bool {
		name, _, _ := strings.Cut(kv, "=")
		return slices.Contains([]string{"TF_CLI_CONFIG_FILE", "TOFU_CLI_CONFIG_FILE", "TF_PLUGIN_CACHE_DIR", "TF_DATA_DIR"}, name)
	})
	env = append(env, "TF_CLI_CONFIG_FILE="+cfg, "CHECKPOINT_DISABLE=1", "TF_IN_AUTOMATION=1")
	return &mirrorRun{cli: cli, bin: bin, env: env}
}

// workDir writes a configuration that requires the provider at version and creates one identity with email in
// inst, beside lockFile as .terraform.lock.hcl (none when empty), and returns its folder.
func (r *mirrorRun) workDir(t *testing.T, version string, inst *kratostest.Instance, email, lockFile string) string {
	t.Helper()
	dir := t.TempDir()
	config := fmt.Sprintf(`terraform {
  required_providers {
    kratos = {
      source  = "kratos-tf/kratos"
      version = %q
    }
  }
}

provider "kratos" {
  admin_url  = %q
  public_url = %q
}

resource "kratos_identity" "mirror" {
  traits = jsonencode({ email = %q })
}

output "id" {
  value = kratos_identity.mirror.id
}
`, version, inst.AdminURL, inst.PublicURL, email)
	files := map[string]string{"main.tf": config}
	if lockFile != "" {
		files[".terraform.lock.hcl"] = lockFile
	}
	for name, text := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// cmd returns the CLI command with args in dir.
func (r *mirrorRun) cmd(dir string, args ...string) *exec.Cmd {
	cmd := exec.Command(r.bin, append(args, "-no-color")...)
	cmd.Dir = dir
	cmd.Env = r.env
	return cmd
}

// run runs the CLI with args in dir and returns its standard output, failing the test when it fails.
func (r *mirrorRun) run(t *testing.T, dir string, args ...string) string {
	t.Helper()
	cmd := r.cmd(dir, args...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("%s %s: %v\n%s%s", r.cli.bin, strings.Join(args, " "), err, out, stderr.Bytes())
	}
	return string(out)
}

// providerLock is the provider's entry in a lock file.
type providerLock struct {
	text, version string
	hashes        []string
}

// Patterns over a lock file, which the CLIs write in one layout.
var (
	lockVersion = regexp.MustCompile(`(?m)^\s*version\s*=\s*"([^"]+)"`)
	lockHash    = regexp.MustCompile(`"((?:h1|zh):[^"]+)"`)
)

// readLock reads the provider's entry from dir's .terraform.lock.hcl.
func readLock(t *testing.T, dir, host string) providerLock {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(dir, ".terraform.lock.hcl"))
	if err != nil {
		t.Fatal(err)
	}
	text := string(data)
	if !strings.Contains(text, fmt.Sprintf("provider %q {", host+"/kratos-tf/kratos")) {
		t.Fatalf("the lock file has no entry for %s/kratos-tf/kratos:\n%s", host, text)
	}
	lock := providerLock{text: text}
	if m := lockVersion.FindStringSubmatch(text); m != nil {
		lock.version = m[1]
	}
	for _, m := range lockHash.FindAllStringSubmatch(text, -1) {
		lock.hashes = append(lock.hashes, m[1])
	}
	t.Logf("%s:\n%s", filepath.Join(dir, ".terraform.lock.hcl"), text)
	return lock
}
