package kratosclient

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
)

// recordingLogger keeps every event the client logs.
type recordingLogger struct {
	mu     sync.Mutex
	events []string
}

// Log records msg with the fields the test compares, then all fields (for the secret check).
func (l *recordingLogger) Log(_ context.Context, msg string, fields map[string]any) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.events = append(l.events, fmt.Sprintf("%s method=%v attempt=%v status=%v retry_in_ms_set=%t all=%v",
		msg, fields["method"], fields["attempt"], fields["status"], fields["retry_in_ms"] != nil, fields))
}

func TestLoggerSeesEachAttemptAndRetryDecisionButNoSecret(t *testing.T) {
	const password = "Logged-Passw0rd-Must-Not-Appear"
	f := newFake(t, func(n int64, w http.ResponseWriter, r *http.Request) {
		switch n {
		case 1:
			writeKratosError(w, http.StatusServiceUnavailable, "maintenance")
		case 2:
			writeIdentity(w, r)
		default:
			writeKratosError(w, http.StatusBadRequest, "bad")
		}
	})
	log := &recordingLogger{}
	c := fakeClient(t, f, WithLogger(log), WithAPIKey("logged-api-key"), WithHeaders(map[string]string{"X-Secret": "logged-header"}))
	if _, err := c.CreateIdentity(t.Context(), createBody(password)); err != nil {
		t.Fatal(err)
	}
	if _, err := c.CreateIdentity(t.Context(), createBody(password)); err == nil {
		t.Fatal("the second create should fail with 400")
	}
	want := []string{
		"Kratos request failed; retrying method=POST attempt=1 status=503 retry_in_ms_set=true",
		"Kratos request succeeded method=POST attempt=2 status=<nil> retry_in_ms_set=false",
		"Kratos request failed; not retrying method=POST attempt=1 status=400 retry_in_ms_set=false",
	}
	if len(log.events) != len(want) {
		t.Fatalf("logged %d events, want %d: %q", len(log.events), len(want), log.events)
	}
	for i, w := range want {
		if !strings.HasPrefix(log.events[i], w) {
			t.Errorf("event %d = %q, want it to start with %q", i, log.events[i], w)
		}
	}
	all := strings.Join(log.events, "\n")
	for _, secret := range []string{password, "logged-api-key", "logged-header"} {
		if strings.Contains(all, secret) {
			t.Errorf("a secret appears in the client's log: %q", secret)
		}
	}
}
