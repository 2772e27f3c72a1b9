package provider

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"

	"github.com/kratos-tf/terraform-provider-kratos/internal/kratostest"
)

// benchCLIs are the CLIs in bin/ that BenchmarkIdentityResource drives: Terraform 1.5.7,
// Terraform 1.16.4 and OpenTofu 1.12.6.
var benchCLIs = []string{"terraform", "terraform-current", "tofu"}

// Environment variables of BenchmarkIdentityResource.
const (
	// benchSizesEnv lists the resource counts, comma-separated; default 500. "500,2000" compares growth.
	benchSizesEnv = "KRATOS_BENCH_N"
	// benchCPUProfileEnv names a directory for CPU profiles of every provider process (cpu-<pid>.pprof);
	// read them with `go tool pprof -top bin/terraform-provider-kratos <dir>/*.pprof`.
	benchCPUProfileEnv = "KRATOS_BENCH_CPUPROFILE"
)

// BenchmarkIdentityResource applies, refreshes (plan) and destroys N kratos_identity resources
// through each real CLI, on Kratos with SQLite and with PostgreSQL, and N terraform_data resources
// as Terraform's own floor under the same CLI in the same iteration. It reports each phase's time
// in seconds for both, the ratios (apply-x, plan-x, destroy-x), the CPU time of the CLI with its
// providers (cli-cpu-s, floor-cli-cpu-s) and of Kratos (kratos-cpu-s) over the three phases, and
// state bytes per resource. The provider is built into a
// temporary directory and used through dev_overrides; identities carry a bcrypt hash of cost 4.
//
//	KRATOS_BENCH_N=500,2000 go test ./internal/provider -run '^$' -bench IdentityResource -benchtime 1x
func BenchmarkIdentityResource(b *testing.B) {
	sizes := benchSizes(b)
	var tags []string
	profileDir := os.Getenv(benchCPUProfileEnv)
	if profileDir != "" {
		var err error
		if profileDir, err = filepath.Abs(profileDir); err != nil {
			b.Fatal(err)
		}
		if err := os.MkdirAll(profileDir, 0o755); err != nil {
			b.Fatal(err)
		}
		tags = []string{"probe"}
	}
	rc := buildProviderBinary(b, tags...)
	hash, err := bcrypt.GenerateFromPassword([]byte("bench-password"), 4)
	if err != nil {
		b.Fatal(err)
	}
	forEachBackend(b, func(b *testing.B, inst *kratostest.Instance) {
		env := binaryEnv(rc, inst.AdminURL, inst.PublicURL)
		if profileDir != "" {
			env = append(env, "KRATOS_TF_PROBE_DIR="+profileDir)
		}
		benchIdentityPhases(b, inst, env, sizes, string(hash))
	})
}

// forEachBackend runs body as a sub-benchmark per database backend (backend=sqlite, backend=postgres)
// with a Kratos of its own on it.
func forEachBackend(b *testing.B, body func(b *testing.B, inst *kratostest.Instance)) {
	for _, backend := range []string{kratostest.BackendSQLite, kratostest.BackendPostgres} {
		b.Run("backend="+backend, func(b *testing.B) {
			body(b, kratostest.StartT(b, kratostest.Options{Backend: backend}))
		})
	}
}

// benchIdentityPhases runs the phases of BenchmarkIdentityResource under each CLI and size.
func benchIdentityPhases(b *testing.B, inst *kratostest.Instance, env []string, sizes []int, hash string) {
	for _, cli := range benchCLIs {
		for _, n := range sizes {
			b.Run(fmt.Sprintf("cli=%s/n=%d", cli, n), func(b *testing.B) {
				bin := benchCLI(b, cli)
				var floor, kratos benchPhases
				for i := 0; b.Loop(); i++ {
					prefix := fmt.Sprintf("%s-%d-%d", cli, n, i)
					floor = runBenchPhases(b, bin, env, inst, floorConfig(n, prefix))
					kratos = runBenchPhases(b, bin, env, inst, identityConfig(n, prefix, hash))
				}
				for _, m := range []struct {
					unit      string
					kratos, f float64
				}{
					{"apply", kratos.apply.Seconds(), floor.apply.Seconds()},
					{"plan", kratos.plan.Seconds(), floor.plan.Seconds()},
					{"destroy", kratos.destroy.Seconds(), floor.destroy.Seconds()},
				} {
					b.ReportMetric(m.kratos/m.f, m.unit+"-x")
					b.ReportMetric(m.kratos, m.unit+"-s")
					b.ReportMetric(m.f, "floor-"+m.unit+"-s")
				}
				b.ReportMetric(kratos.cliCPU.Seconds(), "cli-cpu-s")
				b.ReportMetric(floor.cliCPU.Seconds(), "floor-cli-cpu-s")
				b.ReportMetric(kratos.kratosCPU.Seconds(), "kratos-cpu-s")
				b.ReportMetric(float64(kratos.stateBytes)/float64(n), "state-B/identity")
				b.ReportMetric(float64(floor.stateBytes)/float64(n), "floor-state-B/resource")
			})
		}
	}
}

// benchCLI returns the absolute path of a CLI in bin/, failing the benchmark when it is not built.
func benchCLI(b *testing.B, cli string) string {
	b.Helper()
	bin, err := filepath.Abs(filepath.Join("..", "..", "bin", cli))
	if err != nil {
		b.Fatal(err)
	}
	if _, err := os.Stat(bin); err != nil {
		b.Fatalf("%s is not built: run `make tools` (%v)", bin, err)
	}
	return bin
}

// benchSizes reads benchSizesEnv.
func benchSizes(b *testing.B) []int {
	v := os.Getenv(benchSizesEnv)
	if v == "" {
		return []int{500}
	}
	var sizes []int
	for _, s := range strings.Split(v, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(s))
		if err != nil || n < 1 {
			b.Fatalf("%s=%q: want positive counts separated by commas", benchSizesEnv, v)
		}
		sizes = append(sizes, n)
	}
	return sizes
}

// benchPhases are the times of one apply, refresh plan and destroy, and the state's size after apply.
type benchPhases struct {
	apply, plan, destroy time.Duration
	stateBytes           int64
	// cliCPU is the CPU time of the CLI and its providers over the three phases, kratosCPU Kratos's.
	cliCPU, kratosCPU time.Duration
}

// runBenchPhases applies config from an empty state in a new directory, plans again (which
// must find no changes) and destroys, timing each command.
func runBenchPhases(b *testing.B, bin string, env []string, inst *kratostest.Instance, config string) benchPhases {
	b.Helper()
	kratosBefore, err := inst.CPUTime()
	if err != nil {
		b.Fatal(err)
	}
	var p benchPhases
	dir := b.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "main.tf"), []byte(config), 0o600); err != nil {
		b.Fatal(err)
	}
	run := func(args ...string) (time.Duration, error) {
		cmd := exec.CommandContext(b.Context(), bin, args...)
		cmd.Dir, cmd.Env = dir, env
		start := time.Now()
		out, err := cmd.CombinedOutput()
		took := time.Since(start)
		if cmd.ProcessState != nil {
			// The CLI waits for its provider processes, so their CPU time is included.
			p.cliCPU += cmd.ProcessState.UserTime() + cmd.ProcessState.SystemTime()
		}
		if err != nil {
			err = fmt.Errorf("%s %s: %w\n%s", filepath.Base(bin), args[0], err, tailLines(string(out), 40))
		}
		return took, err
	}
	if p.apply, err = run("apply", "-input=false", "-auto-approve", "-no-color"); err != nil {
		b.Fatal(err)
	}
	info, err := os.Stat(filepath.Join(dir, "terraform.tfstate"))
	if err != nil {
		b.Fatal(err)
	}
	p.stateBytes = info.Size()
	if p.plan, err = run("plan", "-input=false", "-detailed-exitcode", "-no-color"); err != nil {
		var exit *exec.ExitError
		if errors.As(err, &exit) && exit.ExitCode() == 2 {
			b.Errorf("the plan after apply has changes (perpetual diff): %v", err)
		} else {
			b.Fatal(err)
		}
	}
	if p.destroy, err = run("destroy", "-input=false", "-auto-approve", "-no-color"); err != nil {
		b.Fatal(err)
	}
	kratosAfter, err := inst.CPUTime()
	if err != nil {
		b.Fatal(err)
	}
	p.kratosCPU = kratosAfter - kratosBefore
	return p
}

// tailLines returns the last n lines of s.
func tailLines(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	return strings.Join(lines[max(0, len(lines)-n):], "\n")
}

// benchTraits is the traits expression of resource count.index, shared by both configurations.
const benchTraits = `jsonencode({ email = "${local.prefix}-${count.index}@bench.example", name = { first = "User", last = "U${count.index}" } })`

// floorConfig is n terraform_data resources holding the same traits text as identityConfig.
func floorConfig(n int, prefix string) string {
	return fmt.Sprintf(`locals { prefix = %q }

resource "terraform_data" "user" {
  count = %d
  input = %s
}
`, prefix, n, benchTraits)
}

// identityConfig is n kratos_identity resources with an imported bcrypt hash.
func identityConfig(n int, prefix, hash string) string {
	return fmt.Sprintf(`terraform {
  required_providers {
    kratos = { source = "kratos-tf/kratos" }
  }
}

locals { prefix = %q }

resource "kratos_identity" "user" {
  count           = %d
  schema_id       = "default"
  traits          = %s
  hashed_password = %q
}
`, prefix, n, benchTraits, hash)
}
