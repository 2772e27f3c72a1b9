package kratosclient

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"
	"unicode/utf8"
)

// fakeKratos is an httptest server whose handler sees the 1-based number of each request.
type fakeKratos struct {
	*httptest.Server
	requests atomic.Int64
}

// newFake starts a fake server that calls handle for every request; it stops when the test ends.
// The health endpoints, which the client asks only to recognise Kratos's public port after a
// failure, answer 404 as any server that is not Kratos would; they are neither counted nor handled.
func newFake(t *testing.T, handle func(n int64, w http.ResponseWriter, r *http.Request)) *fakeKratos {
	t.Helper()
	f := &fakeKratos{}
	f.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/admin/health/ready" || r.URL.Path == "/health/ready" {
			http.NotFound(w, r)
			return
		}
		handle(f.requests.Add(1), w, r)
	}))
	t.Cleanup(f.Close)
	return f
}

// fakeClient returns a client for f with fast retries and opts.
func fakeClient(t *testing.T, f *fakeKratos, opts ...Option) *Client {
	t.Helper()
	c, err := New(f.URL, append([]Option{WithBackoff(time.Millisecond, 5*time.Millisecond)}, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// writeIdentity answers as Kratos would: 201 for POST with the identity sent (traits and schema
// echoed), else 200 with the identity the path names.
func writeIdentity(w http.ResponseWriter, r *http.Request) {
	answer := map[string]any{"id": path.Base(r.URL.Path), "schema_id": "default", "traits": map[string]any{}}
	w.Header().Set("Content-Type", "application/json")
	if r.Method == http.MethodPost {
		var sent map[string]any
		_ = json.NewDecoder(r.Body).Decode(&sent)
		answer["id"] = "11111111-1111-4111-8111-111111111111"
		for _, k := range []string{"schema_id", "traits"} {
			if v, ok := sent[k]; ok {
				answer[k] = v
			}
		}
		w.WriteHeader(http.StatusCreated)
	}
	_ = json.NewEncoder(w).Encode(answer)
}

// writeKratosError answers status with a herodot error body.
func writeKratosError(w http.ResponseWriter, status int, message string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(map[string]any{"error": map[string]any{"code": status, "message": message}})
}

// resetConnection hijacks the request's connection and closes it with a TCP reset.
func resetConnection(t *testing.T, w http.ResponseWriter) {
	t.Helper()
	conn, _, err := http.NewResponseController(w).Hijack()
	if err != nil {
		t.Errorf("hijack: %v", err)
		return
	}
	if tc, ok := conn.(*net.TCPConn); ok {
		_ = tc.SetLinger(0)
	}
	_ = conn.Close()
}

// createBody is a create request carrying a password, for the secrecy checks.
func createBody(password string) CreateIdentityBody {
	return CreateIdentityBody{
		Traits:      json.RawMessage(`{"email":"a@example.com"}`),
		Credentials: &CredentialsImport{Password: &PasswordImport{Config: PasswordImportConfig{Password: password}}},
	}
}

func TestRetryAfter(t *testing.T) {
	f := newFake(t, func(n int64, w http.ResponseWriter, r *http.Request) {
		if n == 1 {
			w.Header().Set("Retry-After", "1")
			writeKratosError(w, http.StatusTooManyRequests, "slow down")
			return
		}
		writeIdentity(w, r)
	})
	c := fakeClient(t, f, WithBackoff(time.Millisecond, 5*time.Second))
	start := time.Now()
	id, err := c.GetIdentity(t.Context(), "x")
	elapsed := time.Since(start)
	if err != nil {
		t.Fatal(err)
	}
	if id.SchemaID != "default" || f.requests.Load() != 2 {
		t.Errorf("identity %+v after %d requests, want the identity after 2", id, f.requests.Load())
	}
	if elapsed < 950*time.Millisecond {
		t.Errorf("retried after %v, want at least the 1s Retry-After", elapsed)
	}
}

func TestRetryAfterCappedByMaxBackoff(t *testing.T) {
	f := newFake(t, func(n int64, w http.ResponseWriter, r *http.Request) {
		if n == 1 {
			w.Header().Set("Retry-After", "3600")
			writeKratosError(w, http.StatusTooManyRequests, "slow down")
			return
		}
		writeIdentity(w, r)
	})
	c := fakeClient(t, f, WithBackoff(time.Millisecond, 20*time.Millisecond))
	start := time.Now()
	if _, err := c.GetIdentity(t.Context(), "x"); err != nil {
		t.Fatal(err)
	}
	if elapsed := time.Since(start); elapsed > 2*time.Second {
		t.Errorf("waited %v; a Retry-After is capped at the largest backoff", elapsed)
	}
}

func TestRetry503ThenSuccessOnCreate(t *testing.T) {
	f := newFake(t, func(n int64, w http.ResponseWriter, r *http.Request) {
		if n == 1 {
			writeKratosError(w, http.StatusServiceUnavailable, "maintenance")
			return
		}
		writeIdentity(w, r)
	})
	// 503 means the server did not act, so even a create is retried.
	id, err := fakeClient(t, f).CreateIdentity(t.Context(), createBody("pw"))
	if err != nil {
		t.Fatal(err)
	}
	if id.ID == "" || f.requests.Load() != 2 {
		t.Errorf("identity %q after %d requests, want one after 2", id.ID, f.requests.Load())
	}
}

func TestConnectionResetOnGetIsRetried(t *testing.T) {
	f := newFake(t, func(n int64, w http.ResponseWriter, r *http.Request) {
		if n == 1 {
			resetConnection(t, w)
			return
		}
		writeIdentity(w, r)
	})
	id, err := fakeClient(t, f).GetIdentity(t.Context(), "x")
	if err != nil {
		t.Fatal(err)
	}
	if id.SchemaID != "default" || f.requests.Load() != 2 {
		t.Errorf("identity %+v after %d requests, want it after 2", id, f.requests.Load())
	}
}

func TestConnectionResetOnCreateIsNotRetried(t *testing.T) {
	const password = "Reset-Secret-Pw-9"
	f := newFake(t, func(_ int64, w http.ResponseWriter, _ *http.Request) { resetConnection(t, w) })
	_, err := fakeClient(t, f).CreateIdentity(t.Context(), createBody(password))
	var tErr *TransportError
	if !errors.As(err, &tErr) {
		t.Fatalf("error %v (%T), want a *TransportError", err, err)
	}
	if !tErr.MayHaveReachedServer() || !tErr.MayHaveBeenApplied || tErr.Attempts != 1 {
		t.Errorf("MayHaveReachedServer() %v, MayHaveBeenApplied %v, Attempts %d; want true, true and 1 for a create the server read",
			tErr.MayHaveReachedServer(), tErr.MayHaveBeenApplied, tErr.Attempts)
	}
	if n := f.requests.Load(); n != 1 {
		t.Errorf("%d requests, want 1: a create whose fate is unknown must not be repeated", n)
	}
	if text := fmt.Sprintf("%v %+v %#v", err, tErr, tErr); strings.Contains(text, password) {
		t.Errorf("error text contains the password: %s", text)
	}
}

func TestConnectionRefusedOnCreateIsRetried(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	_ = l.Close()
	var dials atomic.Int64
	transport := &http.Transport{DialContext: func(ctx context.Context, network, a string) (net.Conn, error) {
		dials.Add(1)
		return (&net.Dialer{}).DialContext(ctx, network, a)
	}}
	c, err := New("http://"+addr, WithHTTPClient(&http.Client{Transport: transport}), WithMaxRetries(2), WithBackoff(time.Millisecond, 5*time.Millisecond))
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.CreateIdentity(t.Context(), createBody("pw"))
	var tErr *TransportError
	if !errors.As(err, &tErr) {
		t.Fatalf("error %v (%T), want a *TransportError", err, err)
	}
	if tErr.MayHaveReachedServer() {
		t.Error("MayHaveReachedServer() = true for a refused connection")
	}
	if n := dials.Load(); n != 3 {
		t.Errorf("%d dials, want 3: a create that never reached the server is retried", n)
	}
	if !strings.Contains(err.Error(), "could not connect") {
		t.Errorf("error %q does not say the connection failed", err)
	}
}

func TestSlowResponse(t *testing.T) {
	slowFirst := func(n int64, w http.ResponseWriter, r *http.Request) {
		if n == 1 {
			// Reading the body lets the server notice when the client hangs up.
			_, _ = io.Copy(io.Discard, r.Body)
			select {
			case <-r.Context().Done():
			case <-time.After(2 * time.Second):
			}
			return
		}
		writeIdentity(w, r)
	}

	t.Run("GET is retried", func(t *testing.T) {
		f := newFake(t, slowFirst)
		id, err := fakeClient(t, f, WithTimeout(100*time.Millisecond)).GetIdentity(t.Context(), "x")
		if err != nil {
			t.Fatal(err)
		}
		if id.SchemaID != "default" || f.requests.Load() != 2 {
			t.Errorf("identity %+v after %d requests, want it after 2", id, f.requests.Load())
		}
	})

	t.Run("error names the timeout", func(t *testing.T) {
		f := newFake(t, slowFirst)
		_, err := fakeClient(t, f, WithTimeout(100*time.Millisecond), WithMaxRetries(0)).GetIdentity(t.Context(), "x")
		var tErr *TransportError
		if !errors.As(err, &tErr) {
			t.Fatalf("error %v (%T), want a *TransportError", err, err)
		}
		if !strings.Contains(err.Error(), "timeout") {
			t.Errorf("error %q does not mention the timeout", err)
		}
	})

	t.Run("create is not retried", func(t *testing.T) {
		f := newFake(t, slowFirst)
		_, err := fakeClient(t, f, WithTimeout(100*time.Millisecond)).CreateIdentity(t.Context(), createBody("pw"))
		var tErr *TransportError
		if !errors.As(err, &tErr) || !tErr.MayHaveReachedServer() {
			t.Fatalf("error %v, want a *TransportError that may have reached the server", err)
		}
		if n := f.requests.Load(); n != 1 {
			t.Errorf("%d requests, want 1", n)
		}
	})
}

func TestMalformedErrorBodies(t *testing.T) {
	cases := []struct {
		name, method string
		status       int
		body         string
		wantBody     string
		wantRequests int64
	}{
		{"html 502 on GET", http.MethodGet, http.StatusBadGateway, "<html><body>Bad Gateway</body></html>\n", "<html><body>Bad Gateway</body></html>", 2},
		{"html 502 on create", http.MethodPost, http.StatusBadGateway, "<html>Bad Gateway</html>", "<html>Bad Gateway</html>", 1},
		{"router 404", http.MethodGet, http.StatusNotFound, "404 page not found\n", "404 page not found", 1},
		{"empty 500", http.MethodGet, http.StatusInternalServerError, "", "", 1},
		{"binary 400", http.MethodGet, http.StatusBadRequest, "\x00\x01\x02", "(binary body)", 1},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			f := newFake(t, func(_ int64, w http.ResponseWriter, _ *http.Request) {
				w.Header().Set("Content-Type", "text/plain")
				w.WriteHeader(tc.status)
				_, _ = io.WriteString(w, tc.body)
			})
			c := fakeClient(t, f, WithMaxRetries(1))
			var err error
			if tc.method == http.MethodPost {
				_, err = c.CreateIdentity(t.Context(), createBody("pw"))
			} else {
				_, err = c.GetIdentity(t.Context(), "x")
			}
			var apiErr *APIError
			if !errors.As(err, &apiErr) {
				t.Fatalf("error %v (%T), want an *APIError", err, err)
			}
			if apiErr.StatusCode != tc.status || apiErr.Body != tc.wantBody || apiErr.Message != "" {
				t.Errorf("APIError = status %d body %q message %q, want %d %q and no message", apiErr.StatusCode, apiErr.Body, apiErr.Message, tc.status, tc.wantBody)
			}
			if apiErr.Detail() != tc.wantBody || (tc.wantBody != "" && !strings.Contains(err.Error(), tc.wantBody)) {
				t.Errorf("Detail %q / Error %q do not carry the body", apiErr.Detail(), err)
			}
			if n := f.requests.Load(); n != tc.wantRequests {
				t.Errorf("%d requests, want %d", n, tc.wantRequests)
			}
		})
	}
}

func TestLongErrorBodyIsCut(t *testing.T) {
	f := newFake(t, func(_ int64, w http.ResponseWriter, _ *http.Request) {
		w.WriteHeader(http.StatusBadRequest)
		_, _ = io.WriteString(w, strings.Repeat("x", 5000))
	})
	_, err := fakeClient(t, f).GetIdentity(t.Context(), "x")
	var apiErr *APIError
	if !errors.As(err, &apiErr) || len(apiErr.Body) > 300 || !strings.HasSuffix(apiErr.Body, "…") {
		t.Errorf("error %v: body of %d bytes, want a short prefix ending in …", err, len(apiErr.Body))
	}
}

// TestErrorTextStaysShort fails a list of 500 ids with a 100 KB reason: the error names the first
// ids and how many more there were, and cuts the reason, so no diagnostic carries kilobytes.
func TestErrorTextStaysShort(t *testing.T) {
	f := newFake(t, func(_ int64, w http.ResponseWriter, _ *http.Request) {
		writeKratosError(w, http.StatusBadRequest, strings.Repeat("y", 100<<10))
	})
	ids := make([]string, MaxListIDs)
	for i := range ids {
		ids[i] = fmt.Sprintf("00000000-0000-4000-8000-%012d", i)
	}
	_, err := Collect(fakeClient(t, f).ListIdentities(t.Context(), ListIdentitiesParams{IDs: ids, CredentialsIdentifier: strings.Repeat("z", 500)}))
	if err == nil {
		t.Fatal("no error")
	}
	text := err.Error()
	if len(text) > 1024 || !strings.Contains(text, "…and 497 more ids") || !strings.Contains(text, ids[2]) || strings.Contains(text, ids[3]) {
		t.Errorf("error of %d bytes, want under 1 KB naming the first 3 ids and 497 more: %.300s", len(text), text)
	}
}

func TestStatusLineWinsOverBodyCode(t *testing.T) {
	f := newFake(t, func(_ int64, w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusBadRequest)
		_, _ = io.WriteString(w, `{"error":{"code":500,"status":"Internal Server Error","message":"Unable to decode JSON","reason":"unexpected EOF","details":{"k":"v"}}}`)
	})
	_, err := fakeClient(t, f).BatchPatchIdentities(t.Context(), nil)
	var apiErr *APIError
	if !errors.As(err, &apiErr) {
		t.Fatalf("error %v (%T), want an *APIError", err, err)
	}
	if apiErr.StatusCode != http.StatusBadRequest || !IsBadRequest(err) || StatusCode(err) != 400 {
		t.Errorf("StatusCode = %d, want the status line's 400", apiErr.StatusCode)
	}
	if apiErr.Message != "Unable to decode JSON" || apiErr.Reason != "unexpected EOF" || apiErr.Detail() != "unexpected EOF" || apiErr.Details["k"] != "v" {
		t.Errorf("APIError = %+v, want message, reason and details from the body", apiErr)
	}
	if want := "PATCH " + f.URL + "/admin/identities: HTTP 400 Bad Request: Unable to decode JSON (unexpected EOF)"; err.Error() != want {
		t.Errorf("Error() = %q, want %q", err, want)
	}
	if n := f.requests.Load(); n != 1 {
		t.Errorf("%d requests, want 1 (400 is not retried)", n)
	}
}

func TestCancelWhileWaitingToRetry(t *testing.T) {
	f := newFake(t, func(_ int64, w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Retry-After", "5")
		writeKratosError(w, http.StatusTooManyRequests, "slow down")
	})
	c := fakeClient(t, f, WithBackoff(time.Millisecond, 10*time.Second))
	ctx, cancel := context.WithCancel(t.Context())
	time.AfterFunc(200*time.Millisecond, cancel)
	start := time.Now()
	_, err := c.GetIdentity(ctx, "x")
	elapsed := time.Since(start)
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("error %v, want context.Canceled", err)
	}
	if StatusCode(err) != http.StatusTooManyRequests {
		t.Errorf("error %v does not keep the 429 it was waiting on", err)
	}
	if elapsed > 2*time.Second {
		t.Errorf("returned after %v, want promptly after the cancel", elapsed)
	}
	if n := f.requests.Load(); n != 1 {
		t.Errorf("%d requests, want 1", n)
	}
}

func TestMaxRetriesExhausted(t *testing.T) {
	f := newFake(t, func(n int64, w http.ResponseWriter, _ *http.Request) {
		writeKratosError(w, http.StatusServiceUnavailable, fmt.Sprintf("attempt %d", n))
	})
	_, err := fakeClient(t, f, WithMaxRetries(3)).GetIdentity(t.Context(), "x")
	var apiErr *APIError
	if !errors.As(err, &apiErr) || apiErr.StatusCode != http.StatusServiceUnavailable {
		t.Fatalf("error %v, want the 503", err)
	}
	if n := f.requests.Load(); n != 4 {
		t.Errorf("%d requests, want 1+3", n)
	}
	if apiErr.Message != "attempt 4" || apiErr.Attempts != 4 || apiErr.MayHaveBeenApplied {
		t.Errorf("error %q after %d attempts (may have been applied: %v), want the last attempt's, 4 and false", apiErr.Message, apiErr.Attempts, apiErr.MayHaveBeenApplied)
	}

	f = newFake(t, func(_ int64, w http.ResponseWriter, _ *http.Request) {
		writeKratosError(w, http.StatusServiceUnavailable, "down")
	})
	_, _ = fakeClient(t, f, WithMaxRetries(0)).GetIdentity(t.Context(), "x")
	if n := f.requests.Load(); n != 1 {
		t.Errorf("WithMaxRetries(0): %d requests, want 1", n)
	}
}

func TestHeaders(t *testing.T) {
	headers := make(chan http.Header, 1)
	f := newFake(t, func(_ int64, w http.ResponseWriter, r *http.Request) {
		headers <- r.Header.Clone()
		writeIdentity(w, r)
	})
	c := fakeClient(t, f, WithAPIKey("key-123"), WithHeaders(map[string]string{"X-Tenant": "t1", "Authorization": "overridden"}), WithUserAgent("terraform-provider-kratos/1.2.3"))
	if _, err := c.CreateIdentity(t.Context(), createBody("pw")); err != nil {
		t.Fatal(err)
	}
	got := <-headers
	want := map[string]string{
		"Authorization": "Bearer key-123", "X-Tenant": "t1", "User-Agent": "terraform-provider-kratos/1.2.3",
		"Content-Type": "application/json", "Accept": "application/json",
	}
	for k, v := range want {
		if got.Get(k) != v {
			t.Errorf("header %s = %q, want %q", k, got.Get(k), v)
		}
	}

	f = newFake(t, func(_ int64, w http.ResponseWriter, r *http.Request) {
		headers <- r.Header.Clone()
		writeIdentity(w, r)
	})
	if _, err := fakeClient(t, f).GetIdentity(t.Context(), "x"); err != nil {
		t.Fatal(err)
	}
	got = <-headers
	if got.Get("Authorization") != "" || got.Get("Content-Type") != "" || got.Get("User-Agent") != "terraform-provider-kratos" {
		t.Errorf("defaults: Authorization %q Content-Type %q User-Agent %q, want none, none and the default agent", got.Get("Authorization"), got.Get("Content-Type"), got.Get("User-Agent"))
	}
}

func TestPaginateRefusesRepeatedToken(t *testing.T) {
	cases := map[string]func(token string) string{
		"same token": func(string) string { return "11111111-1111-4111-8111-111111111111" },
		"cycle":      func(token string) string { return map[string]string{"": "a", "a": "b", "b": "a"}[token] },
	}
	for name, next := range cases {
		t.Run(name, func(t *testing.T) {
			f := newFake(t, func(n int64, w http.ResponseWriter, r *http.Request) {
				if n > 10 {
					t.Error("more than 10 requests: the client is looping")
					w.WriteHeader(http.StatusTeapot)
					return
				}
				w.Header().Set("Link", fmt.Sprintf(`</admin/identities?page_size=1&page_token=%s>; rel="next"`, next(r.URL.Query().Get("page_token"))))
				_, _ = fmt.Fprintf(w, `[{"id":"id-%d","schema_id":"default","traits":{}}]`, n)
			})
			var items int
			var last error
			for _, err := range fakeClient(t, f).ListIdentities(t.Context(), ListIdentitiesParams{PageSize: 1}) {
				if err != nil {
					last = err
					break
				}
				items++
			}
			if last == nil || !strings.Contains(last.Error(), "again") {
				t.Errorf("error %v, want a refusal of the repeated token", last)
			}
			if items != int(f.requests.Load()) {
				t.Errorf("%d items from %d pages", items, f.requests.Load())
			}
		})
	}
}

func TestPaginateStopsWhenConsumerStops(t *testing.T) {
	f := newFake(t, func(n int64, w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Link", fmt.Sprintf(`</admin/identities?page_token=t%d>; rel="next"`, n))
		_, _ = fmt.Fprintf(w, `[{"id":"a%d","traits":{}},{"id":"b%d","traits":{}}]`, n, n)
	})
	for id, err := range fakeClient(t, f).ListIdentities(t.Context(), ListIdentitiesParams{PageSize: 2}) {
		if err != nil {
			t.Fatal(err)
		}
		if id.ID == "a2" {
			break
		}
	}
	if n := f.requests.Load(); n != 2 {
		t.Errorf("%d requests, want 2 (no page fetched after the consumer stopped)", n)
	}
}

func TestSecretsNeverInErrors(t *testing.T) {
	const password = "Very-Secret-Pw-42"
	bodies := make(chan string, 1)
	f := newFake(t, func(_ int64, w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		bodies <- string(b)
		writeKratosError(w, http.StatusBadRequest, "The request was malformed or contained invalid parameters")
	})
	_, err := fakeClient(t, f, WithAPIKey("api-key-secret")).CreateIdentity(t.Context(), createBody(password))
	var apiErr *APIError
	if !errors.As(err, &apiErr) {
		t.Fatalf("error %v, want an *APIError", err)
	}
	if !strings.Contains(<-bodies, password) {
		t.Fatal("the fake did not receive the password; the check below would prove nothing")
	}
	text := fmt.Sprintf("%v|%+v|%#v|%s|%s", err, apiErr, apiErr, apiErr.Detail(), apiErr.Body)
	for _, secret := range []string{password, "api-key-secret"} {
		if strings.Contains(text, secret) {
			t.Errorf("error text contains a secret: %s", text)
		}
	}
	if s := fmt.Sprintf("%v %+v %#v", createBody(password).Credentials.Password.Config, createBody(password).Credentials.Password.Config, createBody(password)); strings.Contains(s, password) {
		t.Errorf("printing a create body shows the password: %s", s)
	}
}

func TestURLUserInfoIsRedacted(t *testing.T) {
	f := newFake(t, func(_ int64, w http.ResponseWriter, _ *http.Request) {
		writeKratosError(w, http.StatusNotFound, "Unable to locate the resource")
	})
	c, err := New(strings.Replace(f.URL, "http://", "http://user:hunter2@", 1))
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.GetIdentity(t.Context(), "x")
	if !IsNotFound(err) || strings.Contains(err.Error(), "hunter2") {
		t.Errorf("error %q: want a 404 without the URL password", err)
	}
}

func TestExtendSessionNoContent(t *testing.T) {
	f := newFake(t, func(_ int64, w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusNoContent) })
	s, err := fakeClient(t, f).ExtendSession(t.Context(), "11111111-1111-4111-8111-111111111111")
	if err != nil || s != nil {
		t.Errorf("204 answer: %v, %v; want nil session and no error (faster_session_extend)", s, err)
	}
}

func TestParseRetryAfter(t *testing.T) {
	now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	cases := map[string]time.Duration{
		"":                              0,
		"7":                             7 * time.Second,
		" 2 ":                           2 * time.Second,
		"-3":                            0,
		"soon":                          0,
		"Fri, 02 Jan 2026 03:04:15 GMT": 10 * time.Second,
		"Fri, 02 Jan 2026 03:00:00 GMT": 0,
	}
	for in, want := range cases {
		if got := parseRetryAfter(in, now); got != want {
			t.Errorf("parseRetryAfter(%q) = %v, want %v", in, got, want)
		}
	}
}

func TestParseBaseURL(t *testing.T) {
	for in, want := range map[string]string{
		"http://127.0.0.1:4434":         "http://127.0.0.1:4434",
		" https://kratos.example/ ":     "https://kratos.example",
		"https://kratos.example/admin/": "https://kratos.example",
		"http://h/prefix/admin":         "http://h/prefix",
	} {
		u, err := ParseBaseURL(in)
		if err != nil || u.String() != want {
			t.Errorf("ParseBaseURL(%q) = %v, %v; want %s", in, u, err, want)
		}
	}
	for _, in := range []string{"ftp://h", "http://", "http://h?x=1", "http://h#f", "::"} {
		if _, err := ParseBaseURL(in); err == nil {
			t.Errorf("ParseBaseURL(%q) accepted", in)
		}
	}
}

// TestParseBaseURLWithoutScheme proves every form of a URL without a scheme gets the same message,
// which shows the URL with http:// in front, rather than net/url's parse errors or a wrong scheme.
func TestParseBaseURLWithoutScheme(t *testing.T) {
	for _, in := range []string{"127.0.0.1:4434", "localhost:4434", "kratos:4434", "[::1]:4434", "kratos.example.com/admin", " kratos:4434/ "} {
		_, err := ParseBaseURL(in)
		want := fmt.Sprintf("has no scheme: write http://%s, or https://%s when", strings.TrimSpace(in), strings.TrimSpace(in))
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("ParseBaseURL(%q) = %v, want an error that says %q", in, err, want)
		}
	}
}

func TestPathSegmentsAreEscapedOnce(t *testing.T) {
	urls := make(chan *url.URL, 1)
	f := newFake(t, func(_ int64, w http.ResponseWriter, r *http.Request) {
		urls <- r.URL
		_, _ = io.WriteString(w, `{}`)
	})
	pub, err := ParseBaseURL(f.URL + "/pub")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := fakeClient(t, f, WithPublicURL(pub)).GetIdentitySchema(t.Context(), "team a/b%"); err != nil {
		t.Fatal(err)
	}
	u := <-urls
	if want := "/pub/schemas/team%20a%2Fb%25"; u.EscapedPath() != want {
		t.Errorf("request path %s, want %s", u.EscapedPath(), want)
	}
	if want := "/pub/schemas/team a/b%"; u.Path != want {
		t.Errorf("decoded path %s, want %s", u.Path, want)
	}
}

func TestBackoffNeverPanics(t *testing.T) {
	for _, b := range [][2]time.Duration{{-time.Second, -3 * time.Second}, {0, 0}, {time.Second, 0}, {time.Hour, time.Hour}} {
		c, err := New("http://127.0.0.1:1", WithBackoff(b[0], b[1]))
		if err != nil {
			t.Fatal(err)
		}
		for attempt := range 70 {
			if d := c.backoff(attempt); d < 0 || d > max(b[1], 0) {
				t.Errorf("WithBackoff(%v, %v): backoff(%d) = %v, want within [0, %v]", b[0], b[1], attempt, d, max(b[1], 0))
			}
		}
	}
}

func TestPerPageIsCappedAtKratosLimit(t *testing.T) {
	perPages := make(chan string, 2)
	f := newFake(t, func(_ int64, w http.ResponseWriter, r *http.Request) {
		perPages <- r.URL.Query().Get("per_page")
		_, _ = io.WriteString(w, `[]`)
	})
	c := fakeClient(t, f)
	if _, err := Collect(c.ListIdentitySessions(t.Context(), "x", ListIdentitySessionsParams{PerPage: 5000})); err != nil {
		t.Fatal(err)
	}
	if _, err := Collect(c.ListIdentitySchemas(t.Context(), 5000)); err != nil {
		t.Fatal(err)
	}
	for _, what := range []string{"identity sessions", "schemas"} {
		if got := <-perPages; got != "1000" {
			t.Errorf("%s: per_page=%s, want 1000", what, got)
		}
	}
}

func TestErrorBodyIsValidUTF8(t *testing.T) {
	// Diagnostics travel to Terraform as protobuf strings, which must be valid UTF-8.
	for name, body := range map[string]string{
		"rune cut at the limit": "x" + strings.Repeat("é", 150),
		"invalid bytes":         "bad \xff\xfe gateway",
	} {
		t.Run(name, func(t *testing.T) {
			f := newFake(t, func(_ int64, w http.ResponseWriter, _ *http.Request) {
				w.WriteHeader(http.StatusBadRequest)
				_, _ = io.WriteString(w, body)
			})
			_, err := fakeClient(t, f).GetIdentity(t.Context(), "x")
			var apiErr *APIError
			if !errors.As(err, &apiErr) {
				t.Fatalf("error %v, want an *APIError", err)
			}
			if !utf8.ValidString(apiErr.Body) || !utf8.ValidString(err.Error()) || apiErr.Body == "" {
				t.Errorf("body %q is not valid UTF-8", apiErr.Body)
			}
		})
	}
}

func TestTLSFailuresAreExplainedAndNotRetried(t *testing.T) {
	var requests atomic.Int64
	tlsSrv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { requests.Add(1) }))
	t.Cleanup(tlsSrv.Close)
	plainSrv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { requests.Add(1) }))
	t.Cleanup(plainSrv.Close)

	tests := []struct {
		name, url, want string
	}{
		{"untrusted certificate", tlsSrv.URL, "signed by a certificate authority the client does not trust"},
		{"https to a plain HTTP port", strings.Replace(plainSrv.URL, "http://", "https://", 1), "did not answer with TLS; use http:// instead of https://"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := New(tt.url, WithMaxRetries(3), WithBackoff(time.Second, time.Second))
			if err != nil {
				t.Fatal(err)
			}
			start := time.Now()
			_, err = c.GetIdentity(context.Background(), "00000000-0000-0000-0000-000000000001")
			var tErr *TransportError
			if !errors.As(err, &tErr) {
				t.Fatalf("err = %v (%T), want a *TransportError", err, err)
			}
			if !strings.Contains(err.Error(), tt.want) || !strings.Contains(err.Error(), tt.url) {
				t.Errorf("err = %q, want it to name %s and say %q", err, tt.url, tt.want)
			}
			if waited := time.Since(start); waited >= time.Second {
				t.Errorf("took %s: a TLS failure was retried", waited)
			}
		})
	}
	if n := requests.Load(); n != 0 {
		t.Errorf("%d requests reached a handler, want none", n)
	}
}

func TestConcurrentUpdate400IsRetriedOtherBadRequestsAreNot(t *testing.T) {
	f := newFake(t, func(n int64, w http.ResponseWriter, r *http.Request) {
		switch {
		case r.URL.Path == "/admin/identities/conflicted" && n == 1:
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusBadRequest)
			_, _ = io.WriteString(w, `{"error":{"code":400,"message":"The request was malformed or contained invalid parameters",`+
				`"reason":"Unable to serialize access due to a concurrent update in another session."}}`)
		case r.URL.Path == "/admin/identities/conflicted":
			writeIdentity(w, r)
		default:
			writeKratosError(w, http.StatusBadRequest, "The request was malformed or contained invalid parameters")
		}
	})
	c := fakeClient(t, f)
	ops := []PatchOp{{Op: "remove", Path: "/metadata_public/x"}}
	if _, err := c.PatchIdentity(t.Context(), "conflicted", ops); err != nil {
		t.Fatalf("a rolled-back concurrent update was not retried: %v", err)
	}
	if got := f.requests.Load(); got != 2 {
		t.Errorf("%d requests, want 2 (one retry)", got)
	}
	if _, err := c.PatchIdentity(t.Context(), "other", ops); !IsBadRequest(err) {
		t.Fatalf("err = %v, want the 400", err)
	}
	if got := f.requests.Load(); got != 3 {
		t.Errorf("%d requests, want 3: an ordinary 400 is never retried", got)
	}
}

func TestCrossOriginRedirectIsNotFollowed(t *testing.T) {
	const password, apiKey, tenant = "Redirect-Secret-Pw-7", "redirect-api-key-7", "redirect-tenant-7"
	for _, status := range []int{http.StatusMovedPermanently, http.StatusFound, http.StatusSeeOther, http.StatusTemporaryRedirect, http.StatusPermanentRedirect} {
		t.Run(strconv.Itoa(status), func(t *testing.T) {
			elsewhere := newFake(t, func(_ int64, w http.ResponseWriter, r *http.Request) { writeIdentity(w, r) })
			admin := newFake(t, func(_ int64, w http.ResponseWriter, r *http.Request) {
				http.Redirect(w, r, elsewhere.URL+r.URL.Path, status)
			})
			caller := &http.Client{}
			c := fakeClient(t, admin, WithHTTPClient(caller), WithAPIKey(apiKey), WithHeaders(map[string]string{"X-Tenant": tenant}))
			_, err := c.CreateIdentity(t.Context(), createBody(password))
			if n := elsewhere.requests.Load(); n != 0 {
				t.Errorf("the other origin received %d requests, want none", n)
			}
			if n := admin.requests.Load(); n != 1 {
				t.Errorf("the admin origin received %d requests, want 1 (a refused redirect is not retried)", n)
			}
			var redirectErr *RedirectError
			if !errors.As(err, &redirectErr) || redirectErr.FromPublicURL {
				t.Fatalf("error %v (%T), want a *RedirectError from the admin URL", err, err)
			}
			want := fmt.Sprintf("Kratos at %s redirected POST /admin/identities to another origin %s", admin.URL, elsewhere.URL)
			if !strings.Contains(err.Error(), want) {
				t.Errorf("error %q, want it to contain %q", err, want)
			}
			if text := fmt.Sprintf("%v|%+v|%#v", err, err, err); strings.Contains(text, password) || strings.Contains(text, apiKey) || strings.Contains(text, tenant) {
				t.Errorf("error text contains a secret: %s", text)
			}
			if caller.CheckRedirect != nil {
				t.Error("New changed the caller's http.Client")
			}
			// A read is refused too, and not retried although it is idempotent.
			_, err = c.GetIdentity(t.Context(), "x")
			if !errors.As(err, &redirectErr) || elsewhere.requests.Load() != 0 || admin.requests.Load() != 2 {
				t.Errorf("GET: error %v after %d requests to the admin origin and %d elsewhere, want a *RedirectError after 2 and none",
					err, admin.requests.Load(), elsewhere.requests.Load())
			}
		})
	}
}

func TestSameOriginRedirectIsFollowed(t *testing.T) {
	const password = "Same-Origin-Pw-8"
	moved := make(chan string, 1)
	f := newFake(t, func(n int64, w http.ResponseWriter, r *http.Request) {
		if n == 1 {
			http.Redirect(w, r, r.URL.Path+"/", http.StatusTemporaryRedirect)
			return
		}
		body, _ := io.ReadAll(r.Body)
		moved <- r.Header.Get("Authorization") + " " + string(body)
		r.Body = io.NopCloser(bytes.NewReader(body))
		writeIdentity(w, r)
	})
	if _, err := fakeClient(t, f, WithAPIKey("same-origin-key")).CreateIdentity(t.Context(), createBody(password)); err != nil {
		t.Fatal(err)
	}
	if got := <-moved; !strings.HasPrefix(got, "Bearer same-origin-key ") || !strings.Contains(got, password) {
		t.Errorf("the redirected request carried %q, want the API key and the body", got)
	}
}

func TestIsIdempotentPatch(t *testing.T) {
	tests := []struct {
		ops  []PatchOp
		want bool
	}{
		{nil, true},
		{[]PatchOp{{Op: "replace", Path: "/traits/tags/0"}, {Op: "add", Path: "/traits/name"}, {Op: "add", Path: "/metadata_public/"}}, true},
		{[]PatchOp{{Op: "add", Path: "/traits/name"}, {Op: "add", Path: "/traits/tags/-"}}, false},
		{[]PatchOp{{Op: "add", Path: "/traits/tags/12"}}, false},
		// An all-digit member name looks like an index, so it counts as one.
		{[]PatchOp{{Op: "add", Path: "/metadata_public/2024"}}, false},
		{[]PatchOp{{Op: "add", Path: "/metadata_public/v2"}}, true},
		{[]PatchOp{{Op: "remove", Path: "/metadata_public/x"}}, false},
	}
	for _, tt := range tests {
		if got := isIdempotentPatch(tt.ops); got != tt.want {
			t.Errorf("isIdempotentPatch(%+v) = %v, want %v", tt.ops, got, tt.want)
		}
	}
}

func TestDefaultRetryBudgetCoversARestart(t *testing.T) {
	shortest, longest := RetryBudget(DefaultMaxRetries)
	if shortest < 15*time.Second || longest > 32*time.Second {
		t.Errorf("default retry budget %v to %v, want at least 15 s (a 10-second outage with margin) and at most 32 s", shortest, longest)
	}
	if s, l := RetryBudget(0); s != 0 || l != 0 {
		t.Errorf("no retries wait %v to %v, want nothing", s, l)
	}
}

func TestInvalidHeadersAreRefusedByNewNotRetried(t *testing.T) {
	for name, opt := range map[string]Option{
		"name with a space":    WithHeaders(map[string]string{"X Tenant": "blue"}),
		"value with a newline": WithHeaders(map[string]string{"X-Tenant": "blue\nX-Injected: 1"}),
		"api key with a CR":    WithAPIKey("secret-key\r"),
	} {
		t.Run(name, func(t *testing.T) {
			_, err := New("http://127.0.0.1:1", opt)
			if !errors.Is(err, ErrInvalidHeader) {
				t.Fatalf("New() error %v, want ErrInvalidHeader", err)
			}
			if strings.Contains(err.Error(), "blue") || strings.Contains(err.Error(), "secret-key") {
				t.Errorf("the error shows a header value: %v", err)
			}
		})
	}
}
