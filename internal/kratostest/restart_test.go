package kratostest

import (
	"encoding/json"
	"errors"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestRestartKeepsDataAndPorts proves that an instance on a SQLite file keeps its identities
// through Kill and Restart, that Kill closes both ports and leaves no process, and that
// Restart serves on the same ports again.
func TestRestartKeepsDataAndPorts(t *testing.T) {
	inst := StartT(t, Options{SQLiteFile: true})
	if _, err := os.Stat(filepath.Join(inst.dir, sqliteFile)); err != nil {
		t.Fatalf("no SQLite file in the temp dir: %v", err)
	}
	admin, public := inst.AdminURL, inst.PublicURL
	id := createIdentity(t, inst, "restart@example.com", "restarter", "")
	oldPid := inst.cmd.Process.Pid

	inst.Kill()
	if err := syscall.Kill(-oldPid, 0); !errors.Is(err, syscall.ESRCH) {
		t.Errorf("process group %d still exists after Kill (kill 0: %v)", oldPid, err)
	}
	for _, u := range []string{admin, public} {
		if c, err := net.DialTimeout("tcp", strings.TrimPrefix(u, "http://"), time.Second); err == nil {
			_ = c.Close()
			t.Errorf("%s still accepts connections after Kill", u)
		}
	}
	inst.Kill() // idempotent

	if err := inst.Restart(t.Context()); err != nil {
		t.Fatalf("Restart: %v", err)
	}
	if inst.AdminURL != admin || inst.PublicURL != public {
		t.Errorf("URLs after Restart = %s %s, want %s %s", inst.AdminURL, inst.PublicURL, admin, public)
	}
	if inst.cmd.Process.Pid == oldPid {
		t.Errorf("Restart kept process %d", oldPid)
	}
	var got struct {
		ID     string          `json:"id"`
		Traits json.RawMessage `json:"traits"`
	}
	getJSON(t, admin+"/admin/identities/"+id, &got)
	if got.ID != id || !strings.Contains(string(got.Traits), `"restarter"`) {
		t.Errorf("identity after Restart = %s %s, want %s with username restarter", got.ID, got.Traits, id)
	}
	var schemas []struct {
		ID string `json:"id"`
	}
	getJSON(t, public+"/schemas", &schemas)
	if len(schemas) != len(schemaIDs) {
		t.Errorf("public port after Restart lists %d schemas, want %d", len(schemas), len(schemaIDs))
	}
	// A restart of a running instance kills it first; the data is still there.
	if err := inst.Restart(t.Context()); err != nil {
		t.Fatalf("Restart of a running instance: %v", err)
	}
	getJSON(t, admin+"/admin/identities/"+id, &got)

	pid := inst.cmd.Process.Pid
	if err := inst.Stop(); err != nil {
		t.Fatalf("Stop: %v", err)
	}
	if err := syscall.Kill(-pid, 0); !errors.Is(err, syscall.ESRCH) {
		t.Errorf("process group %d still exists after Stop (kill 0: %v)", pid, err)
	}
	if _, err := os.Stat(inst.dir); !os.IsNotExist(err) {
		t.Errorf("temp dir %s still there after Stop (%v)", inst.dir, err)
	}
	if err := inst.Restart(t.Context()); !errors.Is(err, errStopped) {
		t.Errorf("Restart after Stop: err = %v, want errStopped", err)
	}
}

// TestRestartWaitsForItsPort proves Restart waits while something else still holds the admin
// port (as a test's fault injector may) and then serves on it, and that the default in-memory
// database starts empty again.
func TestRestartWaitsForItsPort(t *testing.T) {
	inst := StartT(t, Options{})
	id := createIdentity(t, inst, "memory@example.com", "", "")
	inst.Kill()
	l, err := net.Listen("tcp", strings.TrimPrefix(inst.AdminURL, "http://"))
	if err != nil {
		t.Fatalf("the admin port is not free after Kill: %v", err)
	}
	released := make(chan time.Time, 1)
	go func() {
		time.Sleep(500 * time.Millisecond)
		released <- time.Now()
		_ = l.Close()
	}()
	if err := inst.Restart(t.Context()); err != nil {
		t.Fatalf("Restart: %v", err)
	}
	if returned, at := time.Now(), <-released; returned.Before(at) {
		t.Error("Restart returned before the port was released")
	}
	req, err := http.NewRequestWithContext(t.Context(), http.MethodGet, inst.AdminURL+"/admin/identities/"+id, nil)
	if err != nil {
		t.Fatal(err)
	}
	do(t, req, http.StatusNotFound, nil)
}
