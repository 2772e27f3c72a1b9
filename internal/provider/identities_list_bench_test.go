package provider

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/kratos-tf/terraform-provider-kratos/internal/kratosclient"
	"github.com/kratos-tf/terraform-provider-kratos/internal/kratostest"
)

// listBenchIdentities is the number of identities BenchmarkIdentitiesPlan10k lists.
const listBenchIdentities = 10000

// listBenchConfig lists every identity through kratos_identities and outputs how many it found.
const listBenchConfig = `terraform {
  required_providers {
    kratos = { source = "kratos-tf/kratos" }
  }
}

data "kratos_identities" "all" {}

output "listed" {
  value = length(data.kratos_identities.all.identities)
}
`

// BenchmarkIdentitiesPlan10k lists 10,000 identities through the kratos_identities data source in
// a `terraform plan` under each CLI, on SQLite and on PostgreSQL, and in the same iteration fetches
// the same pages raw, as a script would: GET /admin/identities at the data source's page size,
// following Kratos's Link header, each body decoded as a JSON array. The raw fetch runs before
// and after the plan and counts as their mean, so that a change in the load of the machine weighs
// on both alike. It reports both times (plan-s, raw-s), their ratio (plan/raw) and the highest
// heap of the provider's processes (provider-peak-heap-MiB).
//
//	go test ./internal/provider -run '^$' -bench IdentitiesPlan10k -benchtime 1x
func BenchmarkIdentitiesPlan10k(b *testing.B) {
	rc := buildProviderBinary(b, "probe")
	forEachBackend(b, func(b *testing.B, inst *kratostest.Instance) {
		batchCreateIdentities(b, instanceClient(b, inst, nil), "list", listBenchIdentities)
		env := binaryEnv(rc, inst.AdminURL, inst.PublicURL)
		for _, cli := range benchCLIs {
			b.Run("cli="+cli, func(b *testing.B) {
				bin := benchCLI(b, cli)
				var planTime, rawTime time.Duration
				var peak uint64
				for b.Loop() {
					rawTime += rawListIdentities(b, inst.AdminURL) / 2
					took, p := planListing(b, bin, env)
					planTime += took
					peak = max(peak, p)
					rawTime += rawListIdentities(b, inst.AdminURL) / 2
				}
				b.ReportMetric(planTime.Seconds()/float64(b.N), "plan-s")
				b.ReportMetric(rawTime.Seconds()/float64(b.N), "raw-s")
				b.ReportMetric(float64(planTime)/float64(rawTime), "plan/raw")
				b.ReportMetric(float64(peak)/(1<<20), "provider-peak-heap-MiB")
			})
		}
	})
}

// planListing runs `plan` on listBenchConfig in a new directory with the provider's probe on,
// checks that the plan listed every identity, and returns its time and the provider's peak heap.
func planListing(b *testing.B, bin string, env []string) (time.Duration, uint64) {
	b.Helper()
	dir, probe := b.TempDir(), b.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "main.tf"), []byte(listBenchConfig), 0o600); err != nil {
		b.Fatal(err)
	}
	cmd := exec.CommandContext(b.Context(), bin, "plan", "-input=false", "-no-color")
	cmd.Dir, cmd.Env = dir, append(env, "KRATOS_TF_PROBE_DIR="+probe)
	start := time.Now()
	out, err := cmd.CombinedOutput()
	took := time.Since(start)
	if err != nil {
		b.Fatalf("%s plan: %v\n%s", filepath.Base(bin), err, tailLines(string(out), 40))
	}
	if want := fmt.Sprintf("listed = %d", listBenchIdentities); !strings.Contains(string(out), want) {
		b.Fatalf("the plan does not show %q:\n%s", want, tailLines(string(out), 20))
	}
	return took, probePeakHeap(b, probe)
}

// probePeakHeap returns the highest heap-peak-<pid>.txt value that the provider processes wrote into dir.
func probePeakHeap(b *testing.B, dir string) uint64 {
	b.Helper()
	files, err := filepath.Glob(filepath.Join(dir, "heap-peak-*.txt"))
	if err != nil || len(files) == 0 {
		b.Fatalf("no provider process wrote its peak heap into %s (%v)", dir, err)
	}
	var peak uint64
	for _, f := range files {
		text, err := os.ReadFile(f)
		if err != nil {
			b.Fatal(err)
		}
		v, err := strconv.ParseUint(strings.TrimSpace(string(text)), 10, 64)
		if err != nil {
			b.Fatalf("%s: %v", f, err)
		}
		peak = max(peak, v)
	}
	return peak
}

// rawListIdentities fetches every identity page by page at identitiesPageSize, decoding each body
// as a JSON array of objects, checks the count, and returns the time it took.
func rawListIdentities(b *testing.B, adminURL string) time.Duration {
	b.Helper()
	start := time.Now()
	next := fmt.Sprintf("%s/admin/identities?page_size=%d", adminURL, identitiesPageSize)
	total := 0
	for next != "" {
		resp, err := http.Get(next)
		if err != nil {
			b.Fatal(err)
		}
		body, err := io.ReadAll(resp.Body)
		_ = resp.Body.Close()
		if err != nil || resp.StatusCode != http.StatusOK {
			b.Fatalf("GET %s: %d %v", next, resp.StatusCode, err)
		}
		var page []json.RawMessage
		if err := json.Unmarshal(body, &page); err != nil {
			b.Fatal(err)
		}
		total += len(page)
		next = ""
		if u := kratosclient.NextLink(resp.Header.Get("Link")); u != nil {
			next = resp.Request.URL.ResolveReference(u).String()
		}
	}
	took := time.Since(start)
	if total != listBenchIdentities {
		b.Fatalf("the raw fetch found %d identities, want %d", total, listBenchIdentities)
	}
	return took
}
