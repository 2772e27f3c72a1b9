package kratostest

import (
	"bytes"
	"encoding/json"
	"errors"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

// TestStartStop proves Stop leaves no process, port or temp dir behind, is idempotent, and that the schemas load.
func TestStartStop(t *testing.T) {
	inst, err := Start(t.Context(), Options{})
	if err != nil {
		t.Fatal(err)
	}
	pid := inst.cmd.Process.Pid
	if _, err := os.Stat(filepath.Join(inst.dir, "kratos.yml")); err != nil {
		t.Errorf("config not written: %v", err)
	}
	var schemas []struct {
		ID string `json:"id"`
	}
	getJSON(t, inst.PublicURL+"/schemas", &schemas)
	var got []string
	for _, s := range schemas {
		got = append(got, s.ID)
	}
	if want := inst.SchemaIDs(); strings.Join(got, ",") != strings.Join(want, ",") {
		t.Errorf("GET /schemas = %v, want %v", got, want)
	}

	if err := inst.Stop(); err != nil {
		t.Fatalf("Stop: %v", err)
	}
	if err := syscall.Kill(-pid, 0); !errors.Is(err, syscall.ESRCH) {
		t.Errorf("process group %d still exists after Stop (kill 0: %v)", pid, err)
	}
	if _, err := os.Stat(inst.dir); !os.IsNotExist(err) {
		t.Errorf("temp dir %s still there after Stop (%v)", inst.dir, err)
	}
	for _, u := range []string{inst.AdminURL, inst.PublicURL} {
		l, err := net.Listen("tcp", strings.TrimPrefix(u, "http://"))
		if err != nil {
			t.Errorf("port of %s still held after Stop: %v", u, err)
			continue
		}
		_ = l.Close()
	}
	if err := inst.Stop(); err != nil {
		t.Errorf("second Stop: %v", err)
	}
}

// TestTwoInstances proves two instances run at once on different ports, each with its own LinkRecovery setting.
func TestTwoInstances(t *testing.T) {
	off := false
	a := StartT(t, Options{})
	b := StartT(t, Options{LinkRecovery: &off})
	urls := map[string]bool{a.AdminURL: true, a.PublicURL: true, b.AdminURL: true, b.PublicURL: true}
	if len(urls) != 4 {
		t.Fatalf("instances share a port: %s %s %s %s", a.AdminURL, a.PublicURL, b.AdminURL, b.PublicURL)
	}
	id := createIdentity(t, a, "two@example.com", "", "")
	postJSON(t, a.AdminURL+"/admin/recovery/link", map[string]string{"identity_id": id}, http.StatusOK, nil)
	id = createIdentity(t, b, "two@example.com", "", "")
	postJSON(t, b.AdminURL+"/admin/recovery/link", map[string]string{"identity_id": id}, http.StatusNotFound, nil)
}

// TestMissingBinary proves a missing binary fails with its path and how to build it.
func TestMissingBinary(t *testing.T) {
	missing := filepath.Join(t.TempDir(), "no-kratos")
	t.Setenv("KRATOS_BIN", missing)
	_, err := Start(t.Context(), Options{})
	if err == nil {
		t.Fatal("Start succeeded without a binary")
	}
	for _, want := range []string{missing, "make tools", "tools/install.sh kratos"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not mention %q", err, want)
		}
	}
}

// TestEarlyExitShowsOutput proves a Kratos that exits before it is ready fails Start with its exit status and output.
func TestEarlyExitShowsOutput(t *testing.T) {
	fake := filepath.Join(t.TempDir(), "kratos")
	script := "#!/bin/sh\necho first line\necho 'fatal: config is broken' >&2\nexit 3\n"
	if err := os.WriteFile(fake, []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	_, err := Start(t.Context(), Options{Binary: fake})
	if err == nil {
		t.Fatal("Start succeeded with a binary that exits")
	}
	for _, want := range []string{"exited before it was ready", "exit status 3", "fatal: config is broken"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not mention %q", err, want)
		}
	}
}

// TestBindFailureRetries proves a start that loses its port to a race is retried, and gives up after startTries.
func TestBindFailureRetries(t *testing.T) {
	dir := t.TempDir()
	fake := filepath.Join(dir, "kratos")
	script := "#!/bin/sh\necho try >> " + filepath.Join(dir, "tries") + "\necho 'Error: listen tcp 127.0.0.1:1: bind: address already in use'\nexit 1\n"
	if err := os.WriteFile(fake, []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	_, err := Start(t.Context(), Options{Binary: fake})
	if !errors.Is(err, errBind) {
		t.Fatalf("err = %v, want errBind", err)
	}
	tries, err := os.ReadFile(filepath.Join(dir, "tries"))
	if err != nil {
		t.Fatal(err)
	}
	if n := strings.Count(string(tries), "try"); n != startTries {
		t.Errorf("Kratos started %d times, want %d", n, startTries)
	}
}

// TestLogin proves Login works with either identifier and reports a wrong password without echoing it.
func TestLogin(t *testing.T) {
	inst := StartT(t, Options{})
	const password = "correct-horse-battery-staple"
	id := createIdentity(t, inst, "Login@Example.com", "loginuser", password)

	for _, identifier := range []string{"login@example.com", "loginuser"} {
		res, err := inst.Login(t.Context(), identifier, password)
		if err != nil {
			t.Fatalf("Login(%s): %v", identifier, err)
		}
		if res.IdentityID != id || res.SessionID == "" || !strings.HasPrefix(res.SessionToken, "ory_st_") {
			t.Errorf("Login(%s) = %+v, want identity %s", identifier, res, id)
		}
		var session struct {
			Active bool `json:"active"`
		}
		getJSON(t, inst.AdminURL+"/admin/sessions/"+res.SessionID, &session)
		if !session.Active {
			t.Errorf("session %s is not active", res.SessionID)
		}
	}

	const wrong = "not-the-password-123"
	_, err := inst.Login(t.Context(), "loginuser", wrong)
	if err == nil {
		t.Fatal("Login with a wrong password succeeded")
	}
	if msg := err.Error(); !strings.Contains(msg, "HTTP 400") || !strings.Contains(msg, "credentials are invalid") || strings.Contains(msg, wrong) {
		t.Errorf("wrong-password error = %q, want HTTP 400, Kratos's message and no password", msg)
	}
	t.Logf("wrong password: %v", err)
}

// TestCompleteRecoveryCode proves a fresh code completes api and browser flows and a wrong code or finished flow fails.
func TestCompleteRecoveryCode(t *testing.T) {
	inst := StartT(t, Options{})
	id := createIdentity(t, inst, "code@example.com", "", "")
	for _, flowType := range []string{"api", "browser"} {
		t.Run(flowType, func(t *testing.T) {
			var rc struct {
				RecoveryLink string `json:"recovery_link"`
				RecoveryCode string `json:"recovery_code"`
			}
			body := map[string]string{"identity_id": id, "flow_type": flowType}
			postJSON(t, inst.AdminURL+"/admin/recovery/code", body, http.StatusCreated, &rc)
			wrongCode := "000000"
			if rc.RecoveryCode == wrongCode {
				wrongCode = "111111"
			}
			err := inst.CompleteRecoveryCode(t.Context(), rc.RecoveryLink, wrongCode)
			if err == nil || !strings.Contains(err.Error(), "4060006") {
				t.Errorf("wrong code: err = %v, want Kratos message 4060006", err)
			}
			t.Logf("wrong code: %v", err)
			if err := inst.CompleteRecoveryCode(t.Context(), rc.RecoveryLink, rc.RecoveryCode); err != nil {
				t.Fatalf("right code: %v", err)
			}
			err = inst.CompleteRecoveryCode(t.Context(), rc.RecoveryLink, rc.RecoveryCode)
			if err == nil {
				t.Error("reusing a completed flow succeeded")
			}
			t.Logf("completed flow: %v", err)
		})
	}
	err := inst.CompleteRecoveryCode(t.Context(), UIURL+"/recovery?flow=00000000-0000-0000-0000-000000000001", "123456")
	if err == nil {
		t.Error("unknown flow succeeded")
	}
	t.Logf("unknown flow: %v", err)
}

// TestCompleteRecoveryLink proves a fresh link completes recovery and a used one fails without leaking the token.
func TestCompleteRecoveryLink(t *testing.T) {
	inst := StartT(t, Options{})
	id := createIdentity(t, inst, "link@example.com", "", "")
	var rl struct {
		RecoveryLink string `json:"recovery_link"`
	}
	postJSON(t, inst.AdminURL+"/admin/recovery/link", map[string]string{"identity_id": id}, http.StatusOK, &rl)
	if err := inst.CompleteRecoveryLink(t.Context(), rl.RecoveryLink); err != nil {
		t.Fatalf("fresh link: %v", err)
	}
	err := inst.CompleteRecoveryLink(t.Context(), rl.RecoveryLink)
	if err == nil || !strings.Contains(err.Error(), "4060004") {
		t.Errorf("used link: err = %v, want Kratos message 4060004", err)
	}
	if err != nil && strings.Contains(err.Error(), rl.RecoveryLink) {
		t.Errorf("error leaks the recovery token: %v", err)
	}
	t.Logf("used link: %v", err)
}

// TestEnrolSecondFactors proves lookup secrets and TOTP enrol through the settings flow, and that
// afterwards a password-only session is refused by whoami while a session of another identity is not.
func TestEnrolSecondFactors(t *testing.T) {
	inst := StartT(t, Options{})
	const password = "correct-horse-battery-staple"
	id := createIdentity(t, inst, "mfa@example.com", "", password)
	createIdentity(t, inst, "plain@example.com", "", password)
	login, err := inst.Login(t.Context(), "mfa@example.com", password)
	if err != nil {
		t.Fatal(err)
	}
	checkWhoami(t, inst, login.SessionToken, http.StatusOK)

	codes, err := inst.EnrolLookupSecrets(t.Context(), login.SessionToken)
	if err != nil {
		t.Fatalf("EnrolLookupSecrets: %v", err)
	}
	if len(codes) < 2 || codes[0] == "" {
		t.Errorf("lookup secrets = %d codes, want several", len(codes))
	}
	secret, err := inst.EnrolTOTP(t.Context(), login.SessionToken)
	if err != nil {
		t.Fatalf("EnrolTOTP: %v", err)
	}
	if secret == "" {
		t.Error("EnrolTOTP returned no secret")
	}

	var identity struct {
		Credentials map[string]any `json:"credentials"`
	}
	getJSON(t, inst.AdminURL+"/admin/identities/"+id, &identity)
	for _, typ := range []string{"password", "totp", "lookup_secret"} {
		if _, ok := identity.Credentials[typ]; !ok {
			t.Errorf("identity has no %s credential after enrolment (has %v)", typ, identity.Credentials)
		}
	}
	again, err := inst.Login(t.Context(), "mfa@example.com", password)
	if err != nil {
		t.Fatalf("password login after enrolment: %v", err)
	}
	checkWhoami(t, inst, again.SessionToken, http.StatusForbidden)
	plain, err := inst.Login(t.Context(), "plain@example.com", password)
	if err != nil {
		t.Fatal(err)
	}
	checkWhoami(t, inst, plain.SessionToken, http.StatusOK)
	checkWhoami(t, inst, "ory_st_not-a-session-token", http.StatusUnauthorized)
}

// checkWhoami checks the status the public whoami answers for sessionToken.
func checkWhoami(t *testing.T, inst *Instance, sessionToken string, want int) {
	t.Helper()
	got, err := inst.Whoami(t.Context(), sessionToken)
	if err != nil {
		t.Fatal(err)
	}
	if got != want {
		t.Errorf("whoami = HTTP %d, want %d", got, want)
	}
}

// createIdentity creates a default-schema identity through the admin API; username and password are optional.
func createIdentity(t *testing.T, inst *Instance, email, username, password string) string {
	t.Helper()
	traits := map[string]any{"email": email}
	if username != "" {
		traits["username"] = username
	}
	body := map[string]any{"schema_id": SchemaDefault, "traits": traits}
	if password != "" {
		body["credentials"] = map[string]any{"password": map[string]any{"config": map[string]string{"password": password}}}
	}
	var out struct {
		ID string `json:"id"`
	}
	postJSON(t, inst.AdminURL+"/admin/identities", body, http.StatusCreated, &out)
	return out.ID
}

// postJSON posts body and decodes the answer into out (if not nil) after checking the status.
func postJSON(t *testing.T, url string, body any, want int, out any) {
	t.Helper()
	data, err := json.Marshal(body)
	if err != nil {
		t.Fatal(err)
	}
	req, err := http.NewRequestWithContext(t.Context(), http.MethodPost, url, bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	do(t, req, want, out)
}

// getJSON gets url and decodes the answer into out after checking the status is 200.
func getJSON(t *testing.T, url string, out any) {
	t.Helper()
	req, err := http.NewRequestWithContext(t.Context(), http.MethodGet, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	do(t, req, http.StatusOK, out)
}

// do sends req and fails the test unless the status is want.
func do(t *testing.T, req *http.Request, want int, out any) {
	t.Helper()
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var raw json.RawMessage
	if err := json.NewDecoder(resp.Body).Decode(&raw); err != nil && resp.StatusCode != http.StatusNoContent {
		t.Fatalf("%s %s: HTTP %d, undecodable body: %v", req.Method, req.URL, resp.StatusCode, err)
	}
	if resp.StatusCode != want {
		t.Fatalf("%s %s: HTTP %d, want %d: %s", req.Method, req.URL, resp.StatusCode, want, raw)
	}
	if out != nil {
		if err := json.Unmarshal(raw, out); err != nil {
			t.Fatal(err)
		}
	}
}

// TestRecoveryTokenNeverInErrors proves that a recovery link's token stays out of the error
// text when the link cannot be opened or parsed: net/http's and net/url's errors quote the whole URL.
func TestRecoveryTokenNeverInErrors(t *testing.T) {
	// Nothing listens on port 1, so the request fails without an answer.
	inst := &Instance{PublicURL: "http://127.0.0.1:1", transport: &http.Transport{}}
	const secret = "s3cr3t-recovery-token"
	err := inst.CompleteRecoveryLink(t.Context(), "http://127.0.0.1:1/self-service/recovery?flow=f&token="+secret)
	if err == nil || strings.Contains(err.Error(), secret) {
		t.Errorf("unreachable link: error %v; want an error without the token", err)
	}
	if _, err := flowParam("http://[::1/self-service/recovery?flow=f&token=" + secret); err == nil || strings.Contains(err.Error(), secret) {
		t.Errorf("unparsable link: error %v; want an error without the token", err)
	}
}
