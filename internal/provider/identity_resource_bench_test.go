package provider

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/kratos-tf/terraform-provider-kratos/internal/kratostest"
)

// benchCLIs are the CLIs in bin/ that BenchmarkIdentityResource drives: Terraform 1.5.7,
// Terraform 1.16.4 and OpenTofu 1.12.6.
var benchCLIs = []string{"terraform", "terraform-current", "tofu"}

// Environment variables of BenchmarkIdentityResource.
const (
	// benchSizesEnv lists the resource counts, comma-separated; default 500. "500,2000" compares growth.
	benchSizesEnv = "KRATOS_BENCH_N"
	// benchRoundsEnv is how many rounds BenchmarkIdentityResource runs, each contender once per
	// round in a rotated order; default 3, whose median is reported.
	benchRoundsEnv = "KRATOS_BENCH_ROUNDS"
	// benchCPUProfileEnv names a directory for CPU profiles of every provider process (cpu-<pid>.pprof);
	// read them with `go tool pprof -top bin/terraform-provider-kratos <dir>/*.pprof`.
	benchCPUProfileEnv = "KRATOS_BENCH_CPUPROFILE"
)

// BenchmarkIdentityResource applies, refreshes (plan) and destroys N kratos_identity resources
// through each real CLI, on Kratos with SQLite and with PostgreSQL, beside N terraform_data
// resources (Terraform's own floor) and N ory_identity resources of Ory's provider (where
// bin/terraform-provider-ory is built, see tools/ory), all holding the same traits and public
// metadata, on the same Kratos under the same CLI. Each round runs the three in a rotated order,
// and each figure is the median of the rounds. It reports each phase's time in seconds, the ratios
// to the floor (apply-x, plan-x, destroy-x) and to Ory's provider (apply-vs-ory …), the CPU time of
// the CLI with its providers (cli-cpu-s, ory-cli-cpu-s, floor-cli-cpu-s) and of Kratos
// (kratos-cpu-s) over the three phases, and state bytes per resource. The provider is built into
// a temporary directory and used through dev_overrides.
//
//	KRATOS_BENCH_N=500,2000 KRATOS_BENCH_ROUNDS=3 go test ./internal/provider -run '^$' -bench IdentityResource -benchtime 1x
func BenchmarkIdentityResource(b *testing.B) {
	sizes, rounds := benchSizes(b), benchRounds(b)
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
	rc := withOryOverride(b, buildProviderBinary(b, tags...))
	forEachBackend(b, func(b *testing.B, inst *kratostest.Instance) {
		env := binaryEnv(rc, inst.AdminURL, inst.PublicURL)
		if profileDir != "" {
			env = append(env, "KRATOS_TF_PROBE_DIR="+profileDir)
		}
		benchIdentityPhases(b, inst, env, sizes, rounds)
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

// benchContender is one of the configurations BenchmarkIdentityResource times.
type benchContender struct {
	name   string
	config func(n int, prefix string) string
}

// benchIdentityPhases runs the phases of BenchmarkIdentityResource under each CLI and size.
func benchIdentityPhases(b *testing.B, inst *kratostest.Instance, env []string, sizes []int, rounds int) {
	contenders := []benchContender{{"floor", floorConfig}, {"kratos", identityConfig}}
	if oryBinary() != "" {
		contenders = append(contenders, benchContender{"ory", func(n int, prefix string) string { return oryConfig(n, prefix, inst.AdminURL) }})
	} else {
		b.Log("SKIPPED Ory's provider: bin/terraform-provider-ory is not built (tools/install.sh ory needs ../shared/anchors/terraform-provider-ory-src.tar.gz)")
	}
	for _, cli := range benchCLIs {
		for _, n := range sizes {
			b.Run(fmt.Sprintf("cli=%s/n=%d", cli, n), func(b *testing.B) {
				bin := benchCLI(b, cli)
				runs := map[string][]benchPhases{}
				for b.Loop() {
					for r := range rounds {
						for i := range contenders {
							c := contenders[(i+r)%len(contenders)]
							runs[c.name] = append(runs[c.name], runBenchPhases(b, bin, env, inst, c.config(n, fmt.Sprintf("%s-%s-%d-%d", cli, c.name, n, r))))
						}
					}
				}
				med := map[string]benchPhases{}
				for name, rs := range runs {
					med[name] = medianPhases(rs)
				}
				reportPhases(b, n, med)
			})
		}
	}
}

// reportPhases reports the median phases of each contender and their ratios.
func reportPhases(b *testing.B, n int, med map[string]benchPhases) {
	kratos, floor := med["kratos"], med["floor"]
	ory, withOry := med["ory"]
	for _, m := range []struct {
		unit             string
		kratos, f, other time.Duration
	}{
		{"apply", kratos.apply, floor.apply, ory.apply},
		{"plan", kratos.plan, floor.plan, ory.plan},
		{"destroy", kratos.destroy, floor.destroy, ory.destroy},
	} {
		b.ReportMetric(m.kratos.Seconds()/m.f.Seconds(), m.unit+"-x")
		b.ReportMetric(m.kratos.Seconds(), m.unit+"-s")
		b.ReportMetric(m.f.Seconds(), "floor-"+m.unit+"-s")
		if withOry {
			b.ReportMetric(m.other.Seconds(), "ory-"+m.unit+"-s")
			b.ReportMetric(m.kratos.Seconds()/m.other.Seconds(), m.unit+"-vs-ory")
		}
	}
	b.ReportMetric(kratos.cliCPU.Seconds(), "cli-cpu-s")
	b.ReportMetric(floor.cliCPU.Seconds(), "floor-cli-cpu-s")
	b.ReportMetric(kratos.kratosCPU.Seconds(), "kratos-cpu-s")
	b.ReportMetric(float64(kratos.stateBytes)/float64(n), "state-B/identity")
	b.ReportMetric(float64(floor.stateBytes)/float64(n), "floor-state-B/resource")
	if withOry {
		b.ReportMetric(ory.cliCPU.Seconds(), "ory-cli-cpu-s")
		b.ReportMetric(float64(ory.stateBytes)/float64(n), "ory-state-B/identity")
	}
}

// medianPhases is the median of each measure over runs.
func medianPhases(runs []benchPhases) benchPhases {
	pick := func(get func(benchPhases) time.Duration) time.Duration {
		v := make([]time.Duration, len(runs))
		for i, r := range runs {
			v[i] = get(r)
		}
		slices.Sort(v)
		return v[len(v)/2]
	}
	sizes := make([]int64, len(runs))
	for i, r := range runs {
		sizes[i] = r.stateBytes
	}
	slices.Sort(sizes)
	return benchPhases{
		apply:      pick(func(p benchPhases) time.Duration { return p.apply }),
		plan:       pick(func(p benchPhases) time.Duration { return p.plan }),
		destroy:    pick(func(p benchPhases) time.Duration { return p.destroy }),
		cliCPU:     pick(func(p benchPhases) time.Duration { return p.cliCPU }),
		kratosCPU:  pick(func(p benchPhases) time.Duration { return p.kratosCPU }),
		stateBytes: sizes[len(sizes)/2],
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

// benchRounds reads benchRoundsEnv.
func benchRounds(b *testing.B) int {
	v := os.Getenv(benchRoundsEnv)
	if v == "" {
		return 3
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 {
		b.Fatalf("%s=%q: want a positive number of rounds", benchRoundsEnv, v)
	}
	return n
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

// benchMetadata is the public metadata every identity of BenchmarkIdentityResource carries.
const benchMetadata = `jsonencode({ plan = "team", seats = count.index })`

// identityConfig is n kratos_identity resources with traits and public metadata.
func identityConfig(n int, prefix string) string {
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
  metadata_public = %s
}
`, prefix, n, benchTraits, benchMetadata)
}

// oryConfig is n ory_identity resources of Ory's provider with the same traits and metadata, its
// project API URL pointed at the Kratos admin URL (a format string whose %%.0s swallows the slug).
func oryConfig(n int, prefix, adminURL string) string {
	return fmt.Sprintf(`terraform {
  required_providers {
    ory = { source = "ory/ory" }
  }
}

provider "ory" {
  project_api_key = "unused-locally"
  project_slug    = "local"
  project_api_url = "%s%%.0s"
}

locals { prefix = %q }

resource "ory_identity" "user" {
  count           = %d
  schema_id       = "default"
  traits          = %s
  metadata_public = %s
}
`, adminURL, prefix, n, benchTraits, benchMetadata)
}

// oryBinary is the path of bin/terraform-provider-ory, or "" when it is not built.
func oryBinary() string {
	bin, err := filepath.Abs(filepath.Join("..", "..", "bin", "terraform-provider-ory"))
	if err != nil {
		return ""
	}
	if _, err := os.Stat(bin); err != nil {
		return ""
	}
	return bin
}

// withOryOverride returns a CLI configuration that adds to rc's dev_overrides one for Ory's
// provider, when it is built; otherwise rc itself.
func withOryOverride(b *testing.B, rc string) string {
	bin := oryBinary()
	if bin == "" {
		return rc
	}
	text, err := os.ReadFile(rc)
	if err != nil {
		b.Fatal(err)
	}
	dir := b.TempDir()
	if err := os.Symlink(bin, filepath.Join(dir, "terraform-provider-ory")); err != nil {
		b.Fatal(err)
	}
	override := fmt.Sprintf("  dev_overrides {\n    %q = %q\n    %q = %q\n", "registry.terraform.io/ory/ory", dir, "registry.opentofu.org/ory/ory", dir)
	out := filepath.Join(dir, "cli.tfrc")
	if err := os.WriteFile(out, []byte(strings.Replace(string(text), "  dev_overrides {\n", override, 1)), 0o600); err != nil {
		b.Fatal(err)
	}
	return out
}
