package kratosclient_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"os"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/kratos-tf/terraform-provider-kratos/internal/kratosclient"
	"github.com/kratos-tf/terraform-provider-kratos/internal/kratostest"
)

// kratos is the real Kratos every test of this binary talks to; TestMain starts it.
var kratos *kratostest.Instance

// TestMain starts one Kratos for the whole binary. A missing binary fails the run with the
// harness's message; these tests are never skipped.
func TestMain(m *testing.M) {
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	inst, err := kratostest.Start(ctx, kratostest.Options{Backend: os.Getenv(kratostest.EnvBackend)})
	cancel()
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	kratos = inst
	code := m.Run()
	if err := inst.Stop(); err != nil {
		fmt.Fprintln(os.Stderr, "kratostest: stop:", err)
		if code == 0 {
			code = 1
		}
	}
	os.Exit(code)
}

// requestCounter is an http.RoundTripper that counts the requests it forwards and keeps the
// status code of the last answer.
type requestCounter struct {
	n          atomic.Int64
	lastStatus atomic.Int64
	next       http.RoundTripper
}

// RoundTrip counts req, forwards it and records the answer's status.
func (c *requestCounter) RoundTrip(req *http.Request) (*http.Response, error) {
	c.n.Add(1)
	res, err := c.next.RoundTrip(req)
	if err == nil {
		c.lastStatus.Store(int64(res.StatusCode))
	}
	return res, err
}

// wantLastStatus fails unless the last answer the counter saw had status code.
func (c *requestCounter) wantLastStatus(t *testing.T, what string, code int) {
	t.Helper()
	if got := c.lastStatus.Load(); got != int64(code) {
		t.Errorf("%s: Kratos answered %d, want %d", what, got, code)
	}
}

// newClient returns a client for the test Kratos with its public URL set, and the counter of
// the requests it sends.
func newClient(t *testing.T) (*kratosclient.Client, *requestCounter) {
	t.Helper()
	pub, err := kratosclient.ParseBaseURL(kratos.PublicURL)
	if err != nil {
		t.Fatal(err)
	}
	return newClientWith(t, kratosclient.WithPublicURL(pub))
}

// newClientWith returns a client for the test Kratos's admin URL with exactly opts (plus a
// counting HTTP client).
func newClientWith(t *testing.T, opts ...kratosclient.Option) (*kratosclient.Client, *requestCounter) {
	t.Helper()
	counter := &requestCounter{next: http.DefaultTransport}
	all := append([]kratosclient.Option{
		kratosclient.WithHTTPClient(&http.Client{Transport: counter}),
		kratosclient.WithBackoff(10*time.Millisecond, 100*time.Millisecond),
	}, opts...)
	c, err := kratosclient.New(kratos.AdminURL, all...)
	if err != nil {
		t.Fatal(err)
	}
	return c, counter
}

// seq makes test data unique across tests and runs against the shared Kratos.
var seq atomic.Int64

// uniqueEmail returns a fresh lowercase address that names the test.
func uniqueEmail(t *testing.T, label string) string {
	t.Helper()
	name := strings.ToLower(t.Name())
	name = strings.Map(func(r rune) rune {
		if r >= 'a' && r <= 'z' || r >= '0' && r <= '9' {
			return r
		}
		return -1
	}, name[strings.LastIndex(name, "/")+1:])
	// An email's local part may not exceed 64 characters.
	return fmt.Sprintf("%.20s-%s-%d-%d@example.com", name, label, time.Now().UnixNano()%1e6, seq.Add(1))
}

// rawJSON marshals v for traits and metadata.
func rawJSON(t *testing.T, v any) json.RawMessage {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// assertJSONEqual fails unless got and want are the same JSON value.
func assertJSONEqual(t *testing.T, what string, got []byte, want any) {
	t.Helper()
	var g, w any
	if err := json.Unmarshal(got, &g); err != nil {
		t.Fatalf("%s: %q is not JSON: %v", what, got, err)
	}
	wb, err := json.Marshal(want)
	if err != nil {
		t.Fatal(err)
	}
	_ = json.Unmarshal(wb, &w)
	gb, _ := json.Marshal(g)
	wb, _ = json.Marshal(w)
	if string(gb) != string(wb) {
		t.Errorf("%s = %s, want %s", what, gb, wb)
	}
}

// isJSONNull reports whether raw is absent or the JSON null.
func isJSONNull(raw json.RawMessage) bool {
	s := strings.TrimSpace(string(raw))
	return s == "" || s == "null"
}

// createIdentity creates an identity of the default schema with the given email and, when
// password is not empty, a cleartext password; it is deleted when the test ends.
func createIdentity(t *testing.T, c *kratosclient.Client, email, password string) *kratosclient.Identity {
	t.Helper()
	body := kratosclient.CreateIdentityBody{SchemaID: "default", Traits: rawJSON(t, map[string]any{"email": email})}
	if password != "" {
		body.Credentials = &kratosclient.CredentialsImport{Password: &kratosclient.PasswordImport{
			Config: kratosclient.PasswordImportConfig{Password: password},
		}}
	}
	return mustCreate(t, c, body)
}

// mustCreate creates an identity from body and deletes it when the test ends.
func mustCreate(t *testing.T, c *kratosclient.Client, body kratosclient.CreateIdentityBody) *kratosclient.Identity {
	t.Helper()
	id, err := c.CreateIdentity(t.Context(), body)
	if err != nil {
		t.Fatalf("CreateIdentity: %v", err)
	}
	cleanupIdentity(t, c, id.ID)
	return id
}

// cleanupIdentity deletes identity id when the test ends; already gone is fine.
func cleanupIdentity(t *testing.T, c *kratosclient.Client, id string) {
	t.Helper()
	t.Cleanup(func() {
		// t.Context() is already cancelled when cleanups run.
		if err := c.DeleteIdentity(context.WithoutCancel(t.Context()), id); err != nil && !kratosclient.IsNotFound(err) {
			t.Errorf("cleanup: delete identity %s: %v", id, err)
		}
	})
}

// wantStatus fails unless err is an *APIError with status code.
func wantStatus(t *testing.T, what string, err error, code int) *kratosclient.APIError {
	t.Helper()
	if err == nil {
		t.Fatalf("%s: no error, want HTTP %d", what, code)
	}
	var apiErr *kratosclient.APIError
	if !errors.As(err, &apiErr) {
		t.Fatalf("%s: error %v (%T) is not an *APIError", what, err, err)
	}
	if apiErr.StatusCode != code {
		t.Fatalf("%s: HTTP %d (%v), want %d", what, apiErr.StatusCode, err, code)
	}
	return apiErr
}

// unknownUUID is a well-formed ID that no object has.
const unknownUUID = "3f2504e0-4f89-41d3-9a0c-0305e82c3301"

// wantReason fails unless the predicate recognises err.
func wantReason(t *testing.T, what string, err error, is func(error) bool) {
	t.Helper()
	if !is(err) {
		t.Errorf("%s: the predicate does not recognise %v", what, err)
	}
}
