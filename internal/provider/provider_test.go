package provider

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/hashicorp/terraform-plugin-framework/providerserver"
	"github.com/hashicorp/terraform-plugin-go/tfprotov6"

	"github.com/kratos-tf/terraform-provider-kratos/internal/kratosclient"
	"github.com/kratos-tf/terraform-provider-kratos/internal/kratostest"
)

// testAccProtoV6ProviderFactories serves the provider in-process to the CLI under test.
var testAccProtoV6ProviderFactories = map[string]func() (tfprotov6.ProviderServer, error){
	"kratos": providerserver.NewProtocol6WithError(New("test")()),
}

// testKratos is the Kratos instance shared by this package's acceptance tests.
var testKratos *kratostest.Instance

// TestMain starts one real Kratos for the acceptance tests and points the provider at it.
func TestMain(m *testing.M) {
	os.Exit(runTests(m))
}

// runTests sets up the acceptance environment when TF_ACC is set, runs the tests and tears down.
func runTests(m *testing.M) int {
	if os.Getenv("TF_ACC") == "" {
		return m.Run()
	}
	if err := useOwnCLIConfig(); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	inst, err := kratostest.Start(context.Background(), kratostest.Options{Backend: os.Getenv(kratostest.EnvBackend)})
	if err != nil {
		fmt.Fprintln(os.Stderr, "starting Kratos for the acceptance tests:", err)
		return 1
	}
	defer func() { _ = inst.Stop() }()
	testKratos = inst
	_ = os.Setenv(envAdminURL, inst.AdminURL)
	_ = os.Setenv(envPublicURL, inst.PublicURL)
	return m.Run()
}

// useOwnCLIConfig points TF_CLI_CONFIG_FILE at an empty file unless it names one that exists:
// OpenTofu's warning about a missing file breaks terraform-exec's version parsing.
func useOwnCLIConfig() error {
	if f := os.Getenv("TF_CLI_CONFIG_FILE"); f != "" {
		if _, err := os.Stat(f); err == nil {
			return nil
		}
	}
	dir, err := os.MkdirTemp("", "kratos-tf-cli")
	if err != nil {
		return err
	}
	f := filepath.Join(dir, "cli.tfrc")
	if err := os.WriteFile(f, nil, 0o600); err != nil {
		return err
	}
	return os.Setenv("TF_CLI_CONFIG_FILE", f)
}

// testAccPreCheck fails the test when the acceptance environment is not ready.
func testAccPreCheck(t *testing.T) {
	t.Helper()
	skipWithoutAcc(t)
	if testKratos == nil {
		t.Fatal("Kratos is not running: acceptance tests need TF_ACC=1 (TestMain then starts Kratos)")
	}
	if os.Getenv("TF_ACC_TERRAFORM_PATH") == "" {
		t.Fatal("TF_ACC_TERRAFORM_PATH must name the terraform or tofu binary under test; run `make testacc`")
	}
}

// skipWithoutAcc skips, as resource.Test does, an acceptance test run without TF_ACC; `make testacc` sets it.
func skipWithoutAcc(t *testing.T) {
	t.Helper()
	if os.Getenv("TF_ACC") == "" {
		t.Skip("acceptance test: runs with TF_ACC=1 (make testacc)")
	}
}

// testClient returns an admin client for the shared Kratos, for checks made outside Terraform.
func testClient(t *testing.T) *kratosclient.Client {
	t.Helper()
	skipWithoutAcc(t)
	return instanceClient(t, testKratos, nil)
}
