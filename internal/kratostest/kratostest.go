// Package kratostest runs a real Ory Kratos v1.3.1 process for tests, the demo and benchmarks.
package kratostest

import (
	"bufio"
	"bytes"
	"context"
	"embed"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"text/template"
	"time"
)

// Identity schema IDs configured on every instance.
const (
	// SchemaDefault is the default schema: email and username identifiers, a nested name and string tags.
	SchemaDefault = "default"
	// SchemaEmployee requires an email and a department enum and has an integer employee_id.
	SchemaEmployee = "employee"
	// SchemaMinimal has only an email identifier, without verification or recovery addresses.
	SchemaMinimal = "minimal"
	// SchemaMulti has two verifiable and recovery addresses: email (also the password identifier) and backup_email.
	SchemaMulti = "multi"
)

// UIURL is the self-service UI base URL in the config; nothing listens there, Kratos only redirects to it.
const UIURL = "http://127.0.0.1:4455"

// modulePath identifies the repository root, whose go.mod declares it.
const modulePath = "github.com/kratos-tf/terraform-provider-kratos"

// Limits for starting and stopping Kratos.
const (
	readyTimeout = 60 * time.Second
	stopTimeout  = 5 * time.Second
	startTries   = 3
	tailLines    = 40
)

//go:embed config
var files embed.FS

// configTemplate renders config/kratos.yml.tmpl from a config.
var configTemplate = template.Must(template.ParseFS(files, "config/kratos.yml.tmpl"))

// schemaIDs lists the configured schemas, default first; each is embedded as config/<id>.schema.json.
var schemaIDs = []string{SchemaDefault, SchemaEmployee, SchemaMinimal, SchemaMulti}

// errBind marks a start that failed because a port was taken in the meantime.
var errBind = errors.New("kratostest: Kratos could not bind its port")

// Options configure a Kratos instance; the zero value is the default test configuration.
type Options struct {
	// Binary is the kratos executable; default $KRATOS_BIN, else <repository root>/bin/kratos.
	Binary string
	// LinkRecovery enables the link recovery method; default true. Code recovery is always enabled.
	LinkRecovery *bool
	// LogWriter receives Kratos's output besides the internal buffer; default none.
	LogWriter io.Writer
}

// Instance is a running Kratos process.
type Instance struct {
	// AdminURL is the admin base URL without a trailing slash or /admin, e.g. http://127.0.0.1:38211.
	AdminURL string
	// PublicURL is the public base URL without a trailing slash, e.g. http://127.0.0.1:38212.
	PublicURL string

	cmd       *exec.Cmd
	dir       string
	out       *tail
	done      chan struct{}
	transport *http.Transport
	stopOnce  sync.Once
	stopErr   error
}

// Start runs Kratos on free loopback ports and waits until both ports report ready.
func Start(ctx context.Context, opts Options) (*Instance, error) {
	bin, err := opts.binary()
	if err != nil {
		return nil, err
	}
	for try := 1; ; try++ {
		inst, err := start(ctx, bin, opts)
		if err == nil || !errors.Is(err, errBind) || try == startTries {
			return inst, err
		}
	}
}

// StartT starts Kratos for a test, failing it on error and stopping Kratos when it ends.
func StartT(t testing.TB, opts Options) *Instance {
	t.Helper()
	inst, err := Start(t.Context(), opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := inst.Stop(); err != nil {
			t.Errorf("kratostest: stop: %v", err)
		}
	})
	return inst
}

// SchemaIDs returns the configured identity schema IDs, default first.
func (i *Instance) SchemaIDs() []string {
	return append([]string(nil), schemaIDs...)
}

// Stop terminates the process group (SIGTERM, SIGKILL after 5s), waits, and removes the temp dir; it is idempotent.
func (i *Instance) Stop() error {
	i.stopOnce.Do(func() {
		pgid := i.cmd.Process.Pid
		_ = syscall.Kill(-pgid, syscall.SIGTERM)
		select {
		case <-i.done:
		case <-time.After(stopTimeout):
			_ = syscall.Kill(-pgid, syscall.SIGKILL)
			<-i.done
		}
		i.transport.CloseIdleConnections()
		i.stopErr = os.RemoveAll(i.dir)
	})
	return i.stopErr
}

// start makes one attempt at running Kratos on fresh ports.
func start(ctx context.Context, bin string, opts Options) (*Instance, error) {
	dir, err := os.MkdirTemp("", "kratostest-")
	if err != nil {
		return nil, fmt.Errorf("kratostest: %w", err)
	}
	cfg, err := writeConfig(dir, opts)
	if err != nil {
		_ = os.RemoveAll(dir)
		return nil, err
	}
	out := &tail{}
	var w io.Writer = out
	if opts.LogWriter != nil {
		w = io.MultiWriter(out, opts.LogWriter)
	}
	cmd := exec.Command(bin, "serve", "-c", filepath.Join(dir, "kratos.yml"), "--dev", "--sqa-opt-out")
	cmd.Dir = dir
	// A minimal environment, so that variables such as DSN cannot override the generated config.
	cmd.Env = []string{"PATH=" + os.Getenv("PATH"), "HOME=" + dir, "TMPDIR=" + dir}
	cmd.Stdout, cmd.Stderr = w, w
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		_ = os.RemoveAll(dir)
		return nil, fmt.Errorf("kratostest: start %s: %w", bin, err)
	}
	inst := &Instance{
		AdminURL:  cfg.AdminURL,
		PublicURL: cfg.PublicURL,
		cmd:       cmd,
		dir:       dir,
		out:       out,
		done:      make(chan struct{}),
		transport: &http.Transport{},
	}
	go func() {
		_ = cmd.Wait()
		close(inst.done)
	}()
	if err := inst.waitReady(ctx); err != nil {
		_ = inst.Stop()
		return nil, err
	}
	return inst, nil
}

// waitReady polls the admin and public readiness endpoints until both answer 200.
func (i *Instance) waitReady(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, readyTimeout)
	defer cancel()
	tick := time.NewTicker(50 * time.Millisecond)
	defer tick.Stop()
	for {
		if i.ready(ctx, i.AdminURL+"/admin/health/ready") && i.ready(ctx, i.PublicURL+"/health/ready") {
			return nil
		}
		select {
		case <-i.done:
			out := i.out.last(tailLines)
			if strings.Contains(out, "address already in use") {
				return fmt.Errorf("%w; Kratos output:\n%s", errBind, out)
			}
			return fmt.Errorf("kratostest: Kratos exited before it was ready (%s); last output:\n%s", i.cmd.ProcessState, out)
		case <-ctx.Done():
			return fmt.Errorf("kratostest: Kratos not ready: %w; last output:\n%s", ctx.Err(), i.out.last(tailLines))
		case <-tick.C:
		}
	}
}

// ready reports whether GET url answers 200.
func (i *Instance) ready(ctx context.Context, url string) bool {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return false
	}
	resp, err := i.client().Do(req)
	if err != nil {
		return false
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	_ = resp.Body.Close()
	return resp.StatusCode == http.StatusOK
}

// config holds the values rendered into config/kratos.yml.tmpl.
type config struct {
	AdminPort, PublicPort int
	AdminURL, PublicURL   string
	UIURL                 string
	LinkRecovery          bool
	Schemas               []map[string]string
}

// writeConfig renders the Kratos config for fresh loopback ports into dir/kratos.yml.
func writeConfig(dir string, opts Options) (*config, error) {
	ports, err := freePorts(2)
	if err != nil {
		return nil, err
	}
	cfg := &config{
		AdminPort:    ports[0],
		PublicPort:   ports[1],
		AdminURL:     "http://127.0.0.1:" + strconv.Itoa(ports[0]),
		PublicURL:    "http://127.0.0.1:" + strconv.Itoa(ports[1]),
		UIURL:        UIURL,
		LinkRecovery: opts.LinkRecovery == nil || *opts.LinkRecovery,
	}
	for _, id := range schemaIDs {
		raw, err := files.ReadFile("config/" + id + ".schema.json")
		if err != nil {
			return nil, fmt.Errorf("kratostest: %w", err)
		}
		url := "base64://" + base64.StdEncoding.EncodeToString(raw)
		cfg.Schemas = append(cfg.Schemas, map[string]string{"id": id, "url": url})
	}
	var buf bytes.Buffer
	if err := configTemplate.Execute(&buf, cfg); err != nil {
		return nil, fmt.Errorf("kratostest: render config: %w", err)
	}
	if err := os.WriteFile(filepath.Join(dir, "kratos.yml"), buf.Bytes(), 0o600); err != nil {
		return nil, fmt.Errorf("kratostest: %w", err)
	}
	return cfg, nil
}

// freePorts returns n distinct free loopback ports by listening on 127.0.0.1:0 and closing again.
func freePorts(n int) ([]int, error) {
	var ports []int
	for range n {
		// Each listener stays open until all ports are picked, so the ports differ.
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return nil, fmt.Errorf("kratostest: find a free port: %w", err)
		}
		defer l.Close()
		addr, ok := l.Addr().(*net.TCPAddr)
		if !ok {
			return nil, fmt.Errorf("kratostest: unexpected listener address %v", l.Addr())
		}
		ports = append(ports, addr.Port)
	}
	return ports, nil
}

// binary resolves the kratos executable and checks that it exists.
func (o Options) binary() (string, error) {
	bin := o.Binary
	if bin == "" {
		bin = os.Getenv("KRATOS_BIN")
	}
	if bin == "" {
		root, err := repoRoot()
		if err != nil {
			return "", err
		}
		bin = filepath.Join(root, "bin", "kratos")
	}
	if _, err := os.Stat(bin); err != nil {
		return "", fmt.Errorf("kratostest: Kratos binary not found at %s; build it with `make tools` (or `tools/install.sh kratos`) in the repository root, or set KRATOS_BIN", bin)
	}
	return bin, nil
}

// repoRoot walks up from the working directory to the directory whose go.mod declares modulePath.
func repoRoot() (string, error) {
	wd, err := os.Getwd()
	if err != nil {
		return "", fmt.Errorf("kratostest: %w", err)
	}
	for dir := wd; ; dir = filepath.Dir(dir) {
		if declaresModule(filepath.Join(dir, "go.mod")) {
			return dir, nil
		}
		if filepath.Dir(dir) == dir {
			return "", fmt.Errorf("kratostest: no go.mod for module %s above %s; set KRATOS_BIN to the kratos binary", modulePath, wd)
		}
	}
}

// declaresModule reports whether the go.mod at path declares modulePath.
func declaresModule(path string) bool {
	data, err := os.ReadFile(path)
	if err != nil {
		return false
	}
	sc := bufio.NewScanner(bytes.NewReader(data))
	for sc.Scan() {
		if f := strings.Fields(sc.Text()); len(f) == 2 && f[0] == "module" {
			return strings.Trim(f[1], `"`) == modulePath
		}
	}
	return false
}

// tail keeps the end of Kratos's output for error messages.
type tail struct {
	mu  sync.Mutex
	buf []byte
}

// maxTail bounds the kept output; far more than tailLines lines of Kratos's JSON logs.
const maxTail = 256 << 10

// Write appends p, dropping the oldest output beyond maxTail.
func (t *tail) Write(p []byte) (int, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.buf = append(t.buf, p...)
	if over := len(t.buf) - maxTail; over > 0 {
		t.buf = append([]byte(nil), t.buf[over:]...)
	}
	return len(p), nil
}

// last returns the last n lines written.
func (t *tail) last(n int) string {
	t.mu.Lock()
	defer t.mu.Unlock()
	lines := strings.Split(strings.TrimRight(string(t.buf), "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}
