package kratostest

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
)

// Database backends for Options.Backend.
const (
	// BackendSQLite runs Kratos on SQLite, in memory or in a file (Options.SQLiteFile); the default.
	BackendSQLite = "sqlite"
	// BackendPostgres runs Kratos on its own database in a PostgreSQL server shared by the test binary.
	BackendPostgres = "postgres"
)

// EnvBackend names the environment variable that the test binaries' TestMain pass as Options.Backend.
const EnvBackend = "KRATOS_TEST_BACKEND"

// postgresLibDir holds Debian's PostgreSQL installations, one <version>/bin each.
const postgresLibDir = "/usr/lib/postgresql"

// postgresSuperuser is the superuser initdb creates, whatever the OS user running the server.
const postgresSuperuser = "postgres"

// postgresOSUser runs the server when the harness runs as root, which PostgreSQL refuses;
// Debian's postgresql package creates it.
const postgresOSUser = "postgres"

// postgresSettings are throwaway-cluster settings: nothing needs to survive a crash of the
// machine, and each flush is seconds of disk waits on a shared machine. They change neither
// isolation nor locking, so Kratos sees what it sees on a production server.
var postgresSettings = []string{"fsync=off", "synchronous_commit=off", "full_page_writes=off"}

// shared is the PostgreSQL server of this process, started by the first Postgres instance and
// stopped when the last one stops.
var shared struct {
	mu    sync.Mutex
	srv   *pgServer
	users int
	dbs   int
}

// pgServer is a running postmaster on a temporary cluster.
type pgServer struct {
	port   int // the loopback TCP port it listens on
	binDir string
	dir    string
	cmd    *exec.Cmd
	done   chan struct{}
	out    *tail
}

// backend returns the normalised Options.Backend, or an error naming the allowed values.
func (o Options) backend() (string, error) {
	switch o.Backend {
	case "", BackendSQLite:
		return BackendSQLite, nil
	case BackendPostgres:
		return BackendPostgres, nil
	}
	return "", fmt.Errorf("kratostest: unknown backend %q (from Options.Backend or $%s): want %q or %q", o.Backend, EnvBackend, BackendSQLite, BackendPostgres)
}

// acquirePostgres creates a fresh database on the shared server, starting the server first if
// none runs, and returns its DSN and the function that gives the server back.
func acquirePostgres(ctx context.Context) (dsn string, release func() error, err error) {
	shared.mu.Lock()
	defer shared.mu.Unlock()
	if shared.srv == nil {
		srv, err := startPostgres(ctx)
		if err != nil {
			return "", nil, err
		}
		shared.srv = srv
	}
	shared.users++
	shared.dbs++
	name := "kratos_" + strconv.Itoa(shared.dbs)
	if err := shared.srv.createDB(ctx, name); err != nil {
		_ = releaseLocked()
		return "", nil, err
	}
	var once sync.Once
	var releaseErr error
	release = func() error {
		once.Do(func() {
			shared.mu.Lock()
			defer shared.mu.Unlock()
			releaseErr = releaseLocked()
		})
		return releaseErr
	}
	return fmt.Sprintf("postgres://%s@127.0.0.1:%d/%s?sslmode=disable", postgresSuperuser, shared.srv.port, name), release, nil
}

// releaseLocked gives the shared server back and stops it when nobody else uses it; shared.mu is held.
func releaseLocked() error {
	shared.users--
	if shared.users > 0 || shared.srv == nil {
		return nil
	}
	srv := shared.srv
	shared.srv = nil
	return srv.stop()
}

// startPostgres initialises a temporary cluster and starts a server on it on a free loopback port.
func startPostgres(ctx context.Context) (*pgServer, error) {
	binDir, err := postgresBinDir()
	if err != nil {
		return nil, err
	}
	cred, err := postgresCredential()
	if err != nil {
		return nil, err
	}
	dir, err := os.MkdirTemp("", "kratostest-pg-")
	if err != nil {
		return nil, fmt.Errorf("kratostest: %w", err)
	}
	if cred != nil {
		if err := os.Chown(dir, int(cred.Uid), int(cred.Gid)); err != nil {
			_ = os.RemoveAll(dir)
			return nil, fmt.Errorf("kratostest: hand the PostgreSQL temp dir to %s: %w", postgresOSUser, err)
		}
	}
	srv := &pgServer{binDir: binDir, dir: dir}
	out := &tail{}
	initdb := exec.CommandContext(ctx, filepath.Join(binDir, "initdb"), "-D", srv.dataDir(), "-U", postgresSuperuser,
		"--auth=trust", "--encoding=UTF8", "--locale=C.UTF-8", "--no-sync")
	srv.prepare(initdb, out, cred)
	if err := initdb.Run(); err != nil {
		_ = os.RemoveAll(dir)
		return nil, fmt.Errorf("kratostest: initdb: %w; last output:\n%s", err, out.last())
	}
	for try := 1; ; try++ {
		err = srv.launch(ctx, cred)
		if err == nil {
			return srv, nil
		}
		if !errors.Is(err, errBind) || try == startTries {
			_ = os.RemoveAll(dir)
			return nil, err
		}
	}
}

// dataDir is the cluster's data directory inside the server's temp dir.
func (s *pgServer) dataDir() string { return filepath.Join(s.dir, "data") }

// prepare sets cmd up like the Kratos processes: a minimal environment, its own process group,
// killed with the test binary, and run as cred's user when cred is not nil.
func (s *pgServer) prepare(cmd *exec.Cmd, out *tail, cred *syscall.Credential) {
	cmd.Dir, cmd.Stdout, cmd.Stderr = s.dir, out, out
	cmd.Env = []string{"PATH=" + os.Getenv("PATH"), "HOME=" + s.dir, "TMPDIR=" + s.dir, "LC_ALL=C.UTF-8"}
	// Go sets the parent-death signal after switching the user, so it survives the switch.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL, Credential: cred}
}

// launch runs the postmaster as a child process on a fresh port and waits until it accepts
// connections. It runs postgres itself rather than pg_ctl start, whose server outlives a test
// binary that dies: as a child it gets the parent-death signal as Kratos does.
func (s *pgServer) launch(ctx context.Context, cred *syscall.Credential) error {
	ports, err := freePorts(1)
	if err != nil {
		return err
	}
	s.port = ports[0]
	args := []string{"-D", s.dataDir(), "-k", s.dir, "-h", "127.0.0.1", "-p", strconv.Itoa(s.port)}
	for _, setting := range postgresSettings {
		args = append(args, "-c", setting)
	}
	s.out = &tail{}
	cmd := exec.Command(filepath.Join(s.binDir, "postgres"), args...)
	s.prepare(cmd, s.out, cred)
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("kratostest: start PostgreSQL: %w", err)
	}
	s.cmd, s.done = cmd, make(chan struct{})
	go func() {
		_ = cmd.Wait()
		close(s.done)
	}()
	ctx, cancel := context.WithTimeout(ctx, readyTimeout)
	defer cancel()
	tick := time.NewTicker(50 * time.Millisecond)
	defer tick.Stop()
	for !s.ready() {
		select {
		case <-s.done:
			last := s.out.last()
			if strings.Contains(last, "could not bind") || strings.Contains(last, "Address already in use") {
				return fmt.Errorf("%w (PostgreSQL); output:\n%s", errBind, last)
			}
			return fmt.Errorf("kratostest: PostgreSQL exited before it was ready (%s); last output:\n%s", cmd.ProcessState, last)
		case <-ctx.Done():
			s.kill()
			return fmt.Errorf("kratostest: PostgreSQL not ready: %w; last output:\n%s", ctx.Err(), s.out.last())
		case <-tick.C:
		}
	}
	return nil
}

// ready reports whether the postmaster has written "ready" into postmaster.pid, as pg_ctl -w checks.
func (s *pgServer) ready() bool {
	data, err := os.ReadFile(filepath.Join(s.dataDir(), "postmaster.pid"))
	if err != nil {
		return false
	}
	lines := strings.Split(string(data), "\n")
	return len(lines) > 7 && strings.TrimSpace(lines[7]) == "ready" && strings.TrimSpace(lines[3]) == strconv.Itoa(s.port)
}

// createDB creates database name, owned by the superuser Kratos connects as.
func (s *pgServer) createDB(ctx context.Context, name string) error {
	cmd := exec.CommandContext(ctx, filepath.Join(s.binDir, "createdb"), "-h", "127.0.0.1", "-p", strconv.Itoa(s.port), "-U", postgresSuperuser, name)
	cmd.Env = []string{"PATH=" + os.Getenv("PATH"), "LC_ALL=C.UTF-8"}
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("kratostest: createdb %s: %w: %s", name, err, out)
	}
	return nil
}

// stop shuts the server down as pg_ctl stop -m immediate does (SIGQUIT; SIGKILL after
// stopTimeout), waits for it, and removes the cluster.
func (s *pgServer) stop() error {
	_ = s.cmd.Process.Signal(syscall.SIGQUIT)
	select {
	case <-s.done:
	case <-time.After(stopTimeout):
		s.kill()
	}
	return os.RemoveAll(s.dir)
}

// kill ends the postmaster's process group with SIGKILL and waits; its backends, each in a
// session of its own, exit when they notice the postmaster is gone.
func (s *pgServer) kill() {
	_ = syscall.Kill(-s.cmd.Process.Pid, syscall.SIGKILL)
	<-s.done
}

// postgresBinDir returns the bin directory of the newest PostgreSQL under postgresLibDir that
// has initdb, postgres and createdb.
func postgresBinDir() (string, error) {
	dirs, _ := filepath.Glob(filepath.Join(postgresLibDir, "*", "bin"))
	var found []string
	for _, dir := range dirs {
		if isExecutable(filepath.Join(dir, "initdb")) && isExecutable(filepath.Join(dir, "postgres")) && isExecutable(filepath.Join(dir, "createdb")) {
			found = append(found, dir)
		}
	}
	if len(found) == 0 {
		return "", fmt.Errorf("kratostest: no PostgreSQL server (initdb, postgres, createdb) under %s/*/bin; install Debian's postgresql with `tools/install.sh postgres` in the repository root", postgresLibDir)
	}
	sort.Slice(found, func(a, b int) bool { return majorVersion(found[a]) < majorVersion(found[b]) })
	return found[len(found)-1], nil
}

// majorVersion reads the version from /usr/lib/postgresql/<version>/bin; 0 when it is not a number.
func majorVersion(binDir string) int {
	v, _ := strconv.Atoi(filepath.Base(filepath.Dir(binDir)))
	return v
}

// isExecutable reports whether path is a regular file with an execute bit.
func isExecutable(path string) bool {
	fi, err := os.Stat(path)
	return err == nil && fi.Mode().IsRegular() && fi.Mode()&0o111 != 0
}

// postgresCredential returns the postgres system user to run the server as when this process
// runs as root, which PostgreSQL refuses; nil otherwise (the server runs as the current user).
func postgresCredential() (*syscall.Credential, error) {
	if os.Geteuid() != 0 {
		return nil, nil
	}
	u, err := user.Lookup(postgresOSUser)
	if err != nil {
		return nil, fmt.Errorf("kratostest: PostgreSQL refuses to run as root, and there is no %s user to run it as (%w); Debian's postgresql package creates it: `tools/install.sh postgres`", postgresOSUser, err)
	}
	uid, err := strconv.ParseUint(u.Uid, 10, 32)
	if err != nil {
		return nil, fmt.Errorf("kratostest: uid of %s: %w", postgresOSUser, err)
	}
	gid, err := strconv.ParseUint(u.Gid, 10, 32)
	if err != nil {
		return nil, fmt.Errorf("kratostest: gid of %s: %w", postgresOSUser, err)
	}
	return &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid), Groups: []uint32{}}, nil
}
