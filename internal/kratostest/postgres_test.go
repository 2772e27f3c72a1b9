package kratostest

import (
	"errors"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
)

// TestPostgresBackend proves that BackendPostgres stores identities in PostgreSQL, a database
// per instance on one server per process, and that the server, its processes and its
// cluster are gone once the last instance stops.
func TestPostgresBackend(t *testing.T) {
	a := StartT(t, Options{Backend: BackendPostgres})
	if a.Backend != BackendPostgres {
		t.Errorf("Backend = %q, want %q", a.Backend, BackendPostgres)
	}
	srv := currentPostgres(t)
	id := createIdentity(t, a, "pg@example.com", "pg-user", "")
	dbA := instanceDB(t, a)
	if got := psql(t, srv, dbA, "SELECT traits->>'username' FROM identities WHERE id = '"+id+"'"); got != "pg-user" {
		t.Errorf("identity %s in PostgreSQL database %s has username %q, want pg-user", id, dbA, got)
	}

	b := StartT(t, Options{Backend: BackendPostgres})
	if currentPostgres(t) != srv {
		t.Error("a second instance started a second PostgreSQL server")
	}
	if dbB := instanceDB(t, b); dbB == dbA {
		t.Errorf("both instances use database %s", dbA)
	}
	req, err := http.NewRequestWithContext(t.Context(), http.MethodGet, b.AdminURL+"/admin/identities/"+id, nil)
	if err != nil {
		t.Fatal(err)
	}
	do(t, req, http.StatusNotFound, nil)

	pid := srv.cmd.Process.Pid
	if running := postgresProcesses(t, srv.dir); len(running) < 2 {
		t.Errorf("PostgreSQL processes while two instances run: %v, want the postmaster and its backends", running)
	}
	cred, err := postgresCredential()
	if err != nil {
		t.Fatal(err)
	}
	if want := os.Geteuid(); cred == nil && processUID(t, pid) != want {
		t.Errorf("postmaster runs as uid %d, want the test's own %d", processUID(t, pid), want)
	} else if cred != nil && processUID(t, pid) != int(cred.Uid) {
		t.Errorf("postmaster runs as uid %d, want %d (%s): the test runs as root", processUID(t, pid), cred.Uid, postgresOSUser)
	}
	if err := b.Stop(); err != nil {
		t.Fatalf("Stop: %v", err)
	}
	if err := syscall.Kill(pid, 0); err != nil {
		t.Fatalf("PostgreSQL stopped while instance %s still uses it (kill 0: %v)", a.AdminURL, err)
	}
	if err := a.Stop(); err != nil {
		t.Fatalf("Stop: %v", err)
	}
	if err := syscall.Kill(pid, 0); !errors.Is(err, syscall.ESRCH) {
		t.Errorf("postmaster %d still exists after the last instance stopped (kill 0: %v)", pid, err)
	}
	if left := postgresProcesses(t, srv.dir); len(left) > 0 {
		t.Errorf("PostgreSQL processes left behind: %v", left)
	}
	if _, err := os.Stat(srv.dir); !os.IsNotExist(err) {
		t.Errorf("cluster dir %s still there after the server stopped (%v)", srv.dir, err)
	}
	shared.mu.Lock()
	defer shared.mu.Unlock()
	if shared.srv != nil || shared.users != 0 {
		t.Errorf("after the last Stop: server %v with %d users, want none", shared.srv, shared.users)
	}
}

// TestUnknownBackend proves a misspelt backend fails Start with the allowed values.
func TestUnknownBackend(t *testing.T) {
	_, err := Start(t.Context(), Options{Backend: "postgresql"})
	if err == nil {
		t.Fatal("Start succeeded with an unknown backend")
	}
	for _, want := range []string{`"postgresql"`, EnvBackend, `"sqlite"`, `"postgres"`} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not mention %s", err, want)
		}
	}
}

// currentPostgres returns the shared server, failing the test when none runs.
func currentPostgres(t *testing.T) *pgServer {
	t.Helper()
	shared.mu.Lock()
	defer shared.mu.Unlock()
	if shared.srv == nil {
		t.Fatal("no PostgreSQL server is running")
	}
	return shared.srv
}

// instanceDB returns the database name in inst's DSN.
func instanceDB(t *testing.T, inst *Instance) string {
	t.Helper()
	for _, kv := range inst.env {
		if dsn, ok := strings.CutPrefix(kv, "DSN=postgres://"); ok {
			_, path, _ := strings.Cut(dsn, "/")
			name, _, _ := strings.Cut(path, "?")
			return name
		}
	}
	t.Fatalf("instance %s has no PostgreSQL DSN in %v", inst.AdminURL, inst.env)
	return ""
}

// psql runs query on database db of srv and returns its unaligned output.
func psql(t *testing.T, srv *pgServer, db, query string) string {
	t.Helper()
	cmd := exec.CommandContext(t.Context(), filepath.Join(srv.binDir, "psql"), "-h", "127.0.0.1", "-p", strconv.Itoa(srv.port),
		"-U", postgresSuperuser, "-d", db, "-X", "-A", "-t", "-v", "ON_ERROR_STOP=1", "-c", query)
	cmd.Env = []string{"PATH=" + os.Getenv("PATH")}
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("psql %q: %v: %s", query, err, out)
	}
	return strings.TrimSpace(string(out))
}

// postgresProcesses lists the processes whose working directory is in dir: the postmaster
// and every backend work in the cluster's data directory.
func postgresProcesses(t *testing.T, dir string) []string {
	t.Helper()
	entries, err := os.ReadDir("/proc")
	if err != nil {
		t.Fatal(err)
	}
	var found []string
	for _, e := range entries {
		if _, err := strconv.Atoi(e.Name()); err != nil {
			continue
		}
		cwd, err := os.Readlink(filepath.Join("/proc", e.Name(), "cwd"))
		if err == nil && strings.HasPrefix(cwd, dir) {
			cmdline, _ := os.ReadFile(filepath.Join("/proc", e.Name(), "cmdline"))
			found = append(found, e.Name()+" "+strings.TrimSpace(strings.ReplaceAll(string(cmdline), "\x00", " ")))
		}
	}
	return found
}

// processUID returns the real user ID of process pid.
func processUID(t *testing.T, pid int) int {
	t.Helper()
	status, err := os.ReadFile(filepath.Join("/proc", strconv.Itoa(pid), "status"))
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(string(status), "\n") {
		if f := strings.Fields(line); len(f) > 1 && f[0] == "Uid:" {
			uid, err := strconv.Atoi(f[1])
			if err != nil {
				t.Fatal(err)
			}
			return uid
		}
	}
	t.Fatalf("no Uid line in /proc/%d/status", pid)
	return -1
}

// TestPostgresRestartKeepsData proves that an instance on PostgreSQL keeps its identities
// through Kill and Restart without Options.SQLiteFile.
func TestPostgresRestartKeepsData(t *testing.T) {
	inst := StartT(t, Options{Backend: BackendPostgres})
	id := createIdentity(t, inst, "pg-restart@example.com", "pg-restarter", "")
	if err := inst.Restart(t.Context()); err != nil {
		t.Fatalf("Restart: %v", err)
	}
	var got struct {
		ID string `json:"id"`
	}
	getJSON(t, inst.AdminURL+"/admin/identities/"+id, &got)
	if got.ID != id {
		t.Errorf("identity after Restart = %q, want %s", got.ID, id)
	}
}
