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

// importE2EConfig renders members kratos_identity_import members, keyed user-NNNNNN, whose emails
// start with prefix, each with one of hashes (bcrypt, cost 4). With groups > 1 they are split as the
// migration guide says: 16 resources by the first hex digit of a hash of the key, each member with
// its key as external_id; otherwise one resource holds them all, without external IDs.
func importE2EConfig(prefix string, hashes []string, members int, grouped bool) string {
	resource := `resource "kratos_identity_import" "users" {
  identities = jsonencode({
    for u in local.users : u.key => { schema_id = "default", traits = { email = u.email, tags = ["imported"] }, hashed_password = u.hash }
  })
}`
	if grouped {
		resource = `resource "kratos_identity_import" "users" {
  for_each = { for u in local.users : substr(sha1(u.key), 0, 1) => u... }
  identities = jsonencode({
    for u in each.value : u.key => {
      schema_id = "default", external_id = u.key, traits = { email = u.email, tags = ["imported"] }, hashed_password = u.hash
    }
  })
}`
	}
	return fmt.Sprintf(`terraform {
  required_providers {
    kratos = { source = "kratos-tf/kratos" }
  }
}

locals {
  hashes = [%s]
  # range() makes at most 1024 values.
  users = flatten([for hundreds in range(%d) : [for i in range(100) : {
    key   = format("user-%%06d", hundreds * 100 + i)
    email = format("%s-%%06d@example.test", hundreds * 100 + i)
    hash  = local.hashes[(hundreds * 100 + i) %% length(local.hashes)]
  }]])
}

%s
`, `"`+strings.Join(hashes, `", "`)+`"`, members/100, prefix, resource)
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
	benchImportEndToEnd(b, 10000, false, kratostest.BackendSQLite)
}

// BenchmarkIdentityImportEndToEnd100kPostgres is BenchmarkIdentityImportEndToEnd10k for 100,000
// members grouped as the migration guide says (16 resources by a hash of the key, each member with
// an external_id) on a Kratos with PostgreSQL.
func BenchmarkIdentityImportEndToEnd100kPostgres(b *testing.B) {
	benchImportEndToEnd(b, 100000, true, kratostest.BackendPostgres)
}

// benchImportEndToEnd is the end-to-end benchmark of members members (a multiple of 100), grouped or
// in one resource, on a Kratos with backend.
func benchImportEndToEnd(b *testing.B, members int, grouped bool, backend string) {
	rc := buildProviderBinary(b, "probe")
	inst := kratostest.StartT(b, kratostest.Options{Backend: backend})
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
		items := make([]kratosclient.IdentityPatch, members)
		for i := range items {
			items[i] = kratosclient.IdentityPatch{Create: &kratosclient.CreateIdentityBody{
				SchemaID: "default", Traits: json.RawMessage(fmt.Sprintf(`{"email":"raw%d-%06d@example.test","tags":["imported"]}`, round, i)),
				Credentials: &kratosclient.CredentialsImport{Password: &kratosclient.PasswordImport{Config: kratosclient.PasswordImportConfig{HashedPassword: hashes[i%len(hashes)]}}},
			}}
		}
		dir, probe := b.TempDir(), b.TempDir()
		if err := os.WriteFile(filepath.Join(dir, "main.tf"), []byte(importE2EConfig(fmt.Sprintf("e2e%d", round), hashes, members, grouped)), 0o600); err != nil {
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
		raw += sendRawBatches(b, client, items[:members/2])
		plan += run("plan", "-input=false", "-no-color", "-detailed-exitcode", "-out=tfplan")
		apply += run("apply", "-input=false", "-no-color", "tfplan")
		noop += run("plan", "-input=false", "-no-color", "-detailed-exitcode")
		raw += sendRawBatches(b, client, items[members/2:])
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
