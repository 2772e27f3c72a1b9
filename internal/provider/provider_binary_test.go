package provider

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// buildProviderBinary builds the provider command, with the given build tags, into a temporary
// directory and returns a CLI configuration file whose dev_overrides make Terraform and
// OpenTofu use it.
func buildProviderBinary(tb testing.TB, tags ...string) string {
	tb.Helper()
	dir := tb.TempDir()
	args := []string{"build", "-o", filepath.Join(dir, "terraform-provider-kratos")}
	if len(tags) > 0 {
		args = append(args, "-tags", strings.Join(tags, ","))
	}
	cmd := exec.CommandContext(tb.Context(), "go", append(args, ".")...)
	cmd.Dir = filepath.Join("..", "..")
	if out, err := cmd.CombinedOutput(); err != nil {
		tb.Fatalf("building the provider: %v\n%s", err, out)
	}
	rc := filepath.Join(dir, "cli.tfrc")
	config := fmt.Sprintf("provider_installation {\n  dev_overrides {\n    %q = %q\n    %q = %q\n  }\n  direct {}\n}\n",
		"registry.terraform.io/kratos-tf/kratos", dir, "registry.opentofu.org/kratos-tf/kratos", dir)
	if err := os.WriteFile(rc, []byte(config), 0o600); err != nil {
		tb.Fatal(err)
	}
	return rc
}

// binaryEnv is the environment for a CLI that uses the provider binary behind rc and the given Kratos.
func binaryEnv(rc, adminURL, publicURL string) []string {
	return append(os.Environ(),
		"TF_CLI_CONFIG_FILE="+rc,
		"CHECKPOINT_DISABLE=1",
		"TF_IN_AUTOMATION=1",
		envAdminURL+"="+adminURL,
		envPublicURL+"="+publicURL,
	)
}

// TestAccProviderBinary_traceLogs runs the provider binary, as released, under the CLI with
// TF_LOG=trace: the framework's and the protocol's trace lines must still appear, although
// main silences them when no TF_LOG* variable is set.
func TestAccProviderBinary_traceLogs(t *testing.T) {
	testAccPreCheck(t)
	rc := buildProviderBinary(t)
	dir := t.TempDir()
	config := `terraform {
  required_providers {
    kratos = { source = "kratos-tf/kratos" }
  }
}

data "kratos_identity_schemas" "all" {}
`
	if err := os.WriteFile(filepath.Join(dir, "main.tf"), []byte(config), 0o600); err != nil {
		t.Fatal(err)
	}
	cmd := exec.CommandContext(t.Context(), os.Getenv("TF_ACC_TERRAFORM_PATH"), "plan", "-input=false", "-no-color")
	cmd.Dir = dir
	cmd.Env = append(binaryEnv(rc, testKratos.AdminURL, testKratos.PublicURL), "TF_LOG=trace", "TF_LOG_PATH=")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("plan: %v\n%s", err, tailLines(string(out), 40))
	}
	for _, want := range []string{"@module=sdk.framework", "@module=sdk.proto", "Kratos request succeeded"} {
		if !strings.Contains(string(out), want) {
			t.Errorf("the trace log (%d bytes) lacks %q", len(out), want)
		}
	}
}
