package provider

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/kratos-tf/terraform-provider-kratos/internal/kratosclient"
	"github.com/kratos-tf/terraform-provider-kratos/internal/kratostest"
)

// importE2EMembers is the size of the import BenchmarkIdentityImportEndToEnd10k times, a multiple
// of 100.
const importE2EMembers = 10000

// importE2EConfig is one kratos_identity_import of importE2EMembers members whose emails start with
// prefix, each with one of hashes (bcrypt, cost 4).
func importE2EConfig(prefix string, hashes []string) string {
	return fmt.Sprintf(`terraform {
  required_providers {
    kratos = { source = "kratos-tf/kratos" }
  }
}

locals {
  hashes  = [%s]
  # range() makes at most 1024 values.
  indices = flatten([for hundreds in range(%d) : [for i in range(100) : hundreds * 100 + i]])
}

resource "kratos_identity_import" "users" {
  identities = jsonencode({
    for i in local.indices : format("user-%%05d", i) => {
      schema_id       = "default"
      traits          = { email = format("%s-%%05d@example.test", i), tags = ["imported"] }
      hashed_password = local.hashes[i %% length(local.hashes)]
    }
  })
}
`, `"`+strings.Join(hashes, `", "`)+`"`, importE2EMembers/100, prefix)
}

// BenchmarkIdentityImportEndToEnd10k times a migration as users time it: `terraform plan -out`,
// `terraform apply` of that plan and a second, no-change `terraform plan` of one
// kratos_identity_import of 10,000 members with bcrypt hashes, under Terraform 1.5.7 on a Kratos of
// its own (SQLite), against the same 10,000 identities (other emails) sent as raw batch requests
// of 1000 in the same iteration, half before and half after. It reports each phase's wall time,
// (plan + apply) / raw, the provider's peak heap (probe build) and the state's size.
//
//	go test ./internal/provider -run '^$' -bench IdentityImportEndToEnd10k -benchtime 1x
func BenchmarkIdentityImportEndToEnd10k(b *testing.B) {
	rc := buildProviderBinary(b, "probe")
	inst := kratostest.StartT(b, kratostest.Options{})
	client := instanceClient(b, inst, nil)
	bin := benchCLI(b, "terraform")
	hashes := make([]string, 32)
	for i := range hashes {
		hashes[i] = bcryptHash(b, fmt.Sprintf("password-%d", i))
	}
	var plan, apply, noop, raw time.Duration
	var peak uint64
	var stateBytes int64
	round := 0
	for b.Loop() {
		round++
		items := make([]kratosclient.IdentityPatch, importE2EMembers)
		for i := range items {
			items[i] = kratosclient.IdentityPatch{Create: &kratosclient.CreateIdentityBody{
				SchemaID: "default", Traits: json.RawMessage(fmt.Sprintf(`{"email":"raw%d-%05d@example.test","tags":["imported"]}`, round, i)),
				Credentials: &kratosclient.CredentialsImport{Password: &kratosclient.PasswordImport{Config: kratosclient.PasswordImportConfig{HashedPassword: hashes[i%len(hashes)]}}},
			}}
		}
		dir, probe := b.TempDir(), b.TempDir()
		if err := os.WriteFile(filepath.Join(dir, "main.tf"), []byte(importE2EConfig(fmt.Sprintf("e2e%d", round), hashes)), 0o600); err != nil {
			b.Fatal(err)
		}
		env := append(binaryEnv(rc, inst.AdminURL, inst.PublicURL), "KRATOS_TF_PROBE_DIR="+probe)
		run := func(args ...string) time.Duration {
			cmd := exec.CommandContext(b.Context(), bin, args...)
			cmd.Dir, cmd.Env = dir, env
			start := time.Now()
			out, err := cmd.CombinedOutput()
			var exit *exec.ExitError
			// A plan with -out that finds changes exits 2 under -detailed-exitcode; the no-change plan must not.
			changesPlanned := args[0] == "plan" && errors.As(err, &exit) && exit.ExitCode() == 2 && slices.Contains(args, "-out=tfplan")
			if err != nil && !changesPlanned {
				b.Fatalf("terraform %s: %v\n%s", strings.Join(args, " "), err, tailLines(string(out), 30))
			}
			return time.Since(start)
		}
		raw += sendRawBatches(b, client, items[:importE2EMembers/2])
		plan += run("plan", "-input=false", "-no-color", "-detailed-exitcode", "-out=tfplan")
		apply += run("apply", "-input=false", "-no-color", "tfplan")
		noop += run("plan", "-input=false", "-no-color", "-detailed-exitcode")
		raw += sendRawBatches(b, client, items[importE2EMembers/2:])
		peak = max(peak, probePeakHeap(b, probe))
		info, err := os.Stat(filepath.Join(dir, "terraform.tfstate"))
		if err != nil {
			b.Fatal(err)
		}
		stateBytes = info.Size()
	}
	perRound := func(d time.Duration) float64 { return d.Seconds() / float64(round) }
	b.ReportMetric(perRound(plan), "plan-s")
	b.ReportMetric(perRound(apply), "apply-s")
	b.ReportMetric(perRound(noop), "noop-plan-s")
	b.ReportMetric(perRound(raw), "raw-s")
	b.ReportMetric(float64(plan+apply)/float64(raw), "plan+apply/raw")
	b.ReportMetric(float64(peak)/(1<<20), "provider-peak-heap-MiB")
	b.ReportMetric(float64(stateBytes)/(1<<20), "state-MiB")
}
