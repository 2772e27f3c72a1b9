// Package kratostest runs a real Ory Kratos process (v1.3.1, or v26.2.0 with KRATOS_TEST_VERSION) for
// tests, the demo and benchmarks.
package kratostest

import (
	"bufio"
	"bytes"
	"cmp"
	"context"
	"crypto/tls"
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

// The Kratos versions the harness runs: V1 is built from the module proxy (bin/kratos), V26 from
// the source archive in ../shared/kratos (bin/kratos-v26).
const (
	V1  = "v1.3.1"
	V26 = "v26.2.0"
)

// EnvVersion names the environment variable that picks the Kratos version tests run: "v1.3.1"
// (the default, also for "") or "v26.2.0" (also "v26").
const EnvVersion = "KRATOS_TEST_VERSION"

// Version is the Kratos version the tests of this process run, from EnvVersion.
func Version() string {
	switch v := os.Getenv(EnvVersion); v {
	case "", V1, "v1":
		return V1
	case V26, "v26":
		return V26
	default:
		return v
	}
}

// binaryNames maps each version to its executable under bin/.
var binaryNames = map[string]string{V1: "kratos", V26: "kratos-v26"}

// Options configure a Kratos instance; the zero value is the default test configuration.
type Options struct {
	// Binary is the kratos executable; default $KRATOS_BIN, else the one under <repository root>/bin
	// for Version().
	Binary string
	// LinkRecovery enables the link recovery method; default true. Code recovery is always enabled.
	LinkRecovery *bool
	// LogWriter receives Kratos's output besides the internal buffer; default none.
	LogWriter io.Writer
	// SQLiteFile keeps the data in a SQLite file in the instance's temp dir, so that it survives
	// Kill and Restart; default false, in-memory SQLite, which loses everything with the process.
	// It does not apply to BackendPostgres, whose data always survives Kill and Restart.
	SQLiteFile bool
	// Backend is BackendSQLite (the default, also for "") or BackendPostgres (a database on a server shared by the process).
	Backend string
	// BcryptCost is the cost Kratos hashes passwords with; default 4, the cheapest. Kratos's own
	// default is 12, about 0.25 s a password.
	BcryptCost int
	// AdminTLS, when set, makes Kratos serve its admin port over TLS with this certificate and key
	// (serve.admin.tls.cert.base64 and key.base64), and AdminURL https://. The harness's own
	// readiness checks do not verify it, so that tests can serve expired or misnamed certificates.
	AdminTLS *Leaf
}

// sqliteFile is the database file of an instance started with Options.SQLiteFile, in its temp dir.
const sqliteFile = "kratos.sqlite"

// restartRetryWait is the pause before Restart tries again to bind a port that is still taken.
const restartRetryWait = 100 * time.Millisecond

// errStopped is returned by Restart after Stop.
var errStopped = errors.New("kratostest: the instance was stopped")

// Instance is a running Kratos process.
type Instance struct {
	// AdminURL is the admin base URL without a trailing slash or /admin, e.g. http://127.0.0.1:38211
	// (https:// with Options.AdminTLS).
	AdminURL string
	// PublicURL is the public base URL without a trailing slash, e.g. http://127.0.0.1:38212.
	PublicURL string
	// Backend is the database Kratos runs on, BackendSQLite or BackendPostgres.
	Backend string

	bin       string
	env       []string
	logWriter io.Writer
	dir       string
	transport *http.Transport
	// releaseDB gives back the PostgreSQL server after Kratos has stopped; nil on SQLite.
	releaseDB func() error
	stopOnce  sync.Once
	stopErr   error

	// mu guards the current process, which Restart replaces, and stopped.
	mu      sync.Mutex
	cmd     *exec.Cmd
	done    chan struct{}
	stopped bool
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
		i.mu.Lock()
		i.stopped = true
		i.mu.Unlock()
		cmd, done := i.process()
		// A process that has exited (Kill, a crash) is not signalled: its ID may belong to another by now.
		if cmd != nil && !closed(done) {
			pgid := cmd.Process.Pid
			_ = syscall.Kill(-pgid, syscall.SIGTERM)
			select {
			case <-done:
			case <-time.After(stopTimeout):
				_ = syscall.Kill(-pgid, syscall.SIGKILL)
				<-done
			}
		}
		i.transport.CloseIdleConnections()
		i.stopErr = os.RemoveAll(i.dir)
		if i.releaseDB != nil {
			i.stopErr = errors.Join(i.stopErr, i.releaseDB())
		}
	})
	return i.stopErr
}

// Kill ends Kratos as a crash would, SIGKILL to its process group with no shutdown, and waits
// until it has exited; the ports are then closed. The data survives for Restart only with
// Options.SQLiteFile. Killing an instance that is not running does nothing.
func (i *Instance) Kill() {
	cmd, done := i.process()
	if cmd == nil || closed(done) {
		return
	}
	_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
	<-done
	i.transport.CloseIdleConnections()
}

// Restart kills Kratos if it runs, starts it again on the same admin and public ports with the
// same configuration and database, and waits until it is ready. While a port is still taken it
// tries again, for up to a minute.
func (i *Instance) Restart(ctx context.Context) error {
	i.Kill()
	ctx, cancel := context.WithTimeout(ctx, readyTimeout)
	defer cancel()
	for {
		i.mu.Lock()
		stopped := i.stopped
		i.mu.Unlock()
		if stopped {
			return errStopped
		}
		err := i.launch(ctx)
		if err == nil {
			return nil
		}
		// Whatever failed, no process of this attempt is left running.
		i.Kill()
		if !errors.Is(err, errBind) {
			return err
		}
		select {
		case <-ctx.Done():
			return err
		case <-time.After(restartRetryWait):
		}
	}
}

// process returns the current Kratos process and the channel closed when it has exited.
func (i *Instance) process() (*exec.Cmd, chan struct{}) {
	i.mu.Lock()
	defer i.mu.Unlock()
	return i.cmd, i.done
}

// closed reports whether ch is closed.
func closed(ch chan struct{}) bool {
	select {
	case <-ch:
		return true
	default:
		return false
	}
}

// start makes one attempt at running Kratos on fresh ports.
func start(ctx context.Context, bin string, opts Options) (*Instance, error) {
	backend, err := opts.backend()
	if err != nil {
		return nil, err
	}
	dir, err := os.MkdirTemp("", "kratostest-")
	if err != nil {
		return nil, fmt.Errorf("kratostest: %w", err)
	}
	cfg, err := writeConfig(dir, opts)
	if err != nil {
		_ = os.RemoveAll(dir)
		return nil, err
	}
	inst := &Instance{
		AdminURL:  cfg.AdminURL,
		PublicURL: cfg.PublicURL,
		Backend:   backend,
		bin:       bin,
		// A minimal environment, so that variables such as DSN cannot override the generated config.
		env:       []string{"PATH=" + os.Getenv("PATH"), "HOME=" + dir, "TMPDIR=" + dir},
		logWriter: opts.LogWriter,
		dir:       dir,
		transport: &http.Transport{},
	}
	if opts.AdminTLS != nil {
		// Readiness is all the harness asks of the admin port; whether its certificate is
		// trusted is for the test to find out.
		inst.transport.TLSClientConfig = &tls.Config{InsecureSkipVerify: true} //nolint:gosec // see above
	}
	// DSN from the environment overrides the config's in-memory dsn.
	switch {
	case backend == BackendPostgres:
		dsn, release, err := acquirePostgres(ctx)
		if err != nil {
			_ = inst.Stop()
			return nil, err
		}
		inst.releaseDB = release
		inst.env = append(inst.env, "DSN="+dsn)
	case opts.SQLiteFile:
		inst.env = append(inst.env, "DSN=sqlite://"+filepath.Join(dir, sqliteFile)+"?_fk=true")
	}
	if backend == BackendPostgres || opts.SQLiteFile {
		if err := inst.migrate(ctx); err != nil {
			_ = inst.Stop()
			return nil, err
		}
	}
	if err := inst.launch(ctx); err != nil {
		_ = inst.Stop()
		return nil, err
	}
	return inst, nil
}

// output returns where a Kratos process writes: out, and Options.LogWriter if set.
func (i *Instance) output(out *tail) io.Writer {
	if i.logWriter != nil {
		return io.MultiWriter(out, i.logWriter)
	}
	return out
}

// migrate creates the schema of a SQLite file or PostgreSQL database (an in-memory one is
// migrated by serve itself).
func (i *Instance) migrate(ctx context.Context) error {
	out := &tail{}
	cmd := exec.CommandContext(ctx, i.bin, "migrate", "sql", "--read-from-env", "--yes")
	w := i.output(out)
	cmd.Dir, cmd.Env, cmd.Stdout, cmd.Stderr = i.dir, i.env, w, w
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("kratostest: migrate the %s database: %w; last output:\n%s", i.Backend, err, out.last())
	}
	return nil
}

// launch starts a Kratos process on the instance's ports and waits until it is ready.
func (i *Instance) launch(ctx context.Context) error {
	out := &tail{}
	cmd := exec.Command(i.bin, "serve", "-c", filepath.Join(i.dir, "kratos.yml"), "--dev", "--sqa-opt-out")
	w := i.output(out)
	cmd.Dir, cmd.Env, cmd.Stdout, cmd.Stderr = i.dir, i.env, w, w
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("kratostest: start %s: %w", i.bin, err)
	}
	done := make(chan struct{})
	go func() {
		_ = cmd.Wait()
		close(done)
	}()
	i.mu.Lock()
	if i.stopped {
		// Stop ran meanwhile and will not see this process: end it here.
		i.mu.Unlock()
		_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
		<-done
		return errStopped
	}
	i.cmd, i.done = cmd, done
	i.mu.Unlock()
	return i.waitReady(ctx, cmd, out, done)
}

// waitReady polls the admin and public readiness endpoints until both answer 200 or the
// process, whose output is out, exits.
func (i *Instance) waitReady(ctx context.Context, cmd *exec.Cmd, out *tail, done chan struct{}) error {
	ctx, cancel := context.WithTimeout(ctx, readyTimeout)
	defer cancel()
	tick := time.NewTicker(50 * time.Millisecond)
	defer tick.Stop()
	for {
		if i.ready(ctx, i.AdminURL+"/admin/health/ready") && i.ready(ctx, i.PublicURL+"/health/ready") {
			return nil
		}
		select {
		case <-done:
			last := out.last()
			if strings.Contains(last, "address already in use") {
				return fmt.Errorf("%w; Kratos output:\n%s", errBind, last)
			}
			return fmt.Errorf("kratostest: Kratos exited before it was ready (%s); last output:\n%s", cmd.ProcessState, last)
		case <-ctx.Done():
			return fmt.Errorf("kratostest: Kratos not ready: %w; last output:\n%s", ctx.Err(), out.last())
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
	BcryptCost            int
	Schemas               []map[string]string
	// AdminCert and AdminKey are the base64 of the admin port's PEM certificate and key, or empty for plain HTTP.
	AdminCert, AdminKey string
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
		BcryptCost:   cmp.Or(opts.BcryptCost, 4),
	}
	if opts.AdminTLS != nil {
		cfg.AdminURL = "https://127.0.0.1:" + strconv.Itoa(ports[0])
		cfg.AdminCert = base64.StdEncoding.EncodeToString(opts.AdminTLS.CertPEM)
		cfg.AdminKey = base64.StdEncoding.EncodeToString(opts.AdminTLS.KeyPEM)
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
		name, ok := binaryNames[Version()]
		if !ok {
			return "", fmt.Errorf("kratostest: %s=%q names no version the harness runs (%s or %s)", EnvVersion, os.Getenv(EnvVersion), V1, V26)
		}
		root, err := repoRoot()
		if err != nil {
			return "", err
		}
		bin = filepath.Join(root, "bin", name)
	}
	if _, err := os.Stat(bin); err != nil {
		return "", fmt.Errorf("kratostest: Kratos %s binary not found at %s; build it with `make tools` (or `tools/install.sh %s`) in the repository root, or set KRATOS_BIN",
			Version(), bin, binaryNames[Version()])
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

// last returns the last tailLines lines written.
func (t *tail) last() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	lines := strings.Split(strings.TrimRight(string(t.buf), "\n"), "\n")
	if len(lines) > tailLines {
		lines = lines[len(lines)-tailLines:]
	}
	return strings.Join(lines, "\n")
}
