package kratosclient_test

import (
	"compress/gzip"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"runtime"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/kratos-tf/terraform-provider-kratos/internal/kratosclient"
)

// hostileProxy is a reverse proxy in front of the test Kratos whose misbehave function may
// answer a request itself (returning true) instead of passing it on. It counts the requests.
type hostileProxy struct {
	*httptest.Server
	requests atomic.Int64
}

// newHostileProxy starts a proxy to the real Kratos; it stops when the test ends.
func newHostileProxy(t *testing.T, misbehave func(w http.ResponseWriter, r *http.Request) bool) *hostileProxy {
	t.Helper()
	target, err := url.Parse(kratos.AdminURL)
	if err != nil {
		t.Fatal(err)
	}
	forward := httputil.NewSingleHostReverseProxy(target)
	p := &hostileProxy{}
	p.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p.requests.Add(1)
		if !misbehave(w, r) {
			forward.ServeHTTP(w, r)
		}
	}))
	t.Cleanup(p.Close)
	return p
}

// client returns a client for the proxy with fast retries.
func (p *hostileProxy) client(t *testing.T) *kratosclient.Client {
	t.Helper()
	c, err := kratosclient.New(p.URL, kratosclient.WithBackoff(time.Millisecond, 5*time.Millisecond), kratosclient.WithMaxRetries(2))
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// allocated runs f and returns how many bytes it allocated on the heap.
func allocated(f func()) uint64 {
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	f()
	runtime.ReadMemStats(&after)
	return after.TotalAlloc - before.TotalAlloc
}

// padding writes n bytes of JSON whitespace.
func padding(w io.Writer, n int64) {
	chunk := []byte(strings.Repeat(" ", 64<<10))
	for n > 0 {
		k := min(n, int64(len(chunk)))
		if _, err := w.Write(chunk[:k]); err != nil {
			return
		}
		n -= k
	}
}

// wantAnswerError fails unless err is an *AnswerError whose text contains words.
func wantAnswerError(t *testing.T, what string, err error, words string) {
	t.Helper()
	var answerErr *kratosclient.AnswerError
	if !errors.As(err, &answerErr) || !strings.Contains(err.Error(), words) {
		t.Fatalf("%s: error %v, want an answer error saying %q", what, err, words)
	}
}

// TestHostileLargeBodies sends a gzip bomb (1 GiB of JSON whitespace in about 1 MiB), a 200 MB
// body and a 500 with a 200 MB body: each read stops at its limit, so the client allocates a
// few MiB, not the body.
func TestHostileLargeBodies(t *testing.T) {
	const huge = 200 << 20
	for _, tc := range []struct {
		name  string
		serve func(w http.ResponseWriter)
		check func(t *testing.T, err error)
	}{
		{"gzip bomb", func(w http.ResponseWriter) {
			w.Header().Set("Content-Encoding", "gzip")
			zw, _ := gzip.NewWriterLevel(w, gzip.BestSpeed)
			padding(zw, 1<<30)
			_ = zw.Close()
		}, func(t *testing.T, err error) { wantAnswerError(t, "gzip bomb", err, "larger than 4 MiB") }},
		{"200 MB body", func(w http.ResponseWriter) { padding(w, huge) },
			func(t *testing.T, err error) { wantAnswerError(t, "200 MB body", err, "larger than 4 MiB") }},
		{"500 with a 200 MB body", func(w http.ResponseWriter) { w.WriteHeader(http.StatusInternalServerError); padding(w, huge) },
			func(t *testing.T, err error) {
				wantStatus(t, "500 with a 200 MB body", err, http.StatusInternalServerError)
			}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := newHostileProxy(t, func(w http.ResponseWriter, r *http.Request) bool {
				tc.serve(w)
				return true
			})
			c := p.client(t)
			var err error
			bytes := allocated(func() { _, err = c.GetIdentity(t.Context(), unknownUUID) })
			tc.check(t, err)
			if bytes > 64<<20 {
				t.Errorf("the client allocated %d MiB reading it, want at most 64", bytes>>20)
			}
			t.Logf("%s: allocated %d KiB", tc.name, bytes>>10)
		})
	}
}

// TestHostileMisroutedAnswers answers with another identity than the one asked for, and a create
// with another identity or with a body that is not JSON: nothing passes for success, and the
// create's error says it may have been applied, so the caller looks it up.
func TestHostileMisroutedAnswers(t *testing.T) {
	c, _ := newClient(t)
	other := createIdentity(t, c, uniqueEmail(t, "other"), "")
	victim := createIdentity(t, c, uniqueEmail(t, "victim"), "")
	var mode atomic.Value
	p := newHostileProxy(t, func(w http.ResponseWriter, r *http.Request) bool {
		switch mode.Load() {
		case "another identity":
			r.URL.Path = "/admin/identities/" + other.ID
		case "create answered with another":
			// Kratos creates the identity; the answer shows another one.
			if res, err := http.Post(kratos.AdminURL+"/admin/identities", "application/json", r.Body); err == nil {
				_ = res.Body.Close()
			}
			res, err := http.Get(kratos.AdminURL + "/admin/identities/" + other.ID)
			if err != nil {
				return false
			}
			defer func() { _ = res.Body.Close() }()
			w.WriteHeader(http.StatusCreated)
			_, _ = io.Copy(w, res.Body)
			return true
		case "not JSON":
			w.WriteHeader(http.StatusCreated)
			_, _ = io.WriteString(w, "<html>created</html>")
			return true
		case "traits a string", "traits an array", "traits null":
			traits := map[any]string{"traits a string": `"a string"`, "traits an array": `[1]`, "traits null": `null`}[mode.Load()]
			w.Header().Set("Content-Type", "application/json")
			_, _ = fmt.Fprintf(w, `{"id":%q,"schema_id":"default","traits":%s}`, victim.ID, traits)
			return true
		}
		return false
	})
	hc := p.client(t)
	ctx := t.Context()

	mode.Store("another identity")
	_, err := hc.GetIdentity(ctx, victim.ID)
	wantAnswerError(t, "GET answered with another identity", err, "not "+victim.ID)
	_, err = hc.PatchIdentity(ctx, victim.ID, []kratosclient.PatchOp{{Op: "replace", Path: "/metadata_public", Value: []byte(`{"x":1}`)}})
	wantAnswerError(t, "PATCH answered with another identity", err, "not "+victim.ID)

	mode.Store("create answered with another")
	email := uniqueEmail(t, "created")
	_, err = hc.CreateIdentity(ctx, kratosclient.CreateIdentityBody{SchemaID: "default", Traits: rawJSON(t, map[string]any{"email": email})})
	if wantAnswerError(t, "create answered with another identity", err, "not those sent"); !kratosclient.MayHaveBeenApplied(err) {
		t.Error("the create's answer error does not say it may have been applied")
	}
	created, err := kratosclient.Collect(c.ListIdentities(ctx, kratosclient.ListIdentitiesParams{CredentialsIdentifier: email}))
	if err != nil || len(created) != 1 {
		t.Fatalf("the identity really created: %v, %v", created, err)
	}
	cleanupIdentity(t, c, created[0].ID)

	mode.Store("not JSON")
	_, err = hc.CreateIdentity(ctx, kratosclient.CreateIdentityBody{SchemaID: "default", Traits: rawJSON(t, map[string]any{"email": uniqueEmail(t, "nojson")})})
	if wantAnswerError(t, "create answered with HTML", err, "not the expected JSON"); !kratosclient.MayHaveBeenApplied(err) {
		t.Error("the create's answer error does not say it may have been applied")
	}

	for _, m := range []string{"traits a string", "traits an array", "traits null"} {
		mode.Store(m)
		_, err = hc.GetIdentity(ctx, victim.ID)
		wantAnswerError(t, m, err, "not a JSON object")
	}
}

// TestHostileRedirects redirects a password change with a same-origin 302, which HTTP clients
// follow as a GET, and loops redirects: neither passes for success nor is retried, and the
// password in Kratos stays unchanged.
func TestHostileRedirects(t *testing.T) {
	c, _ := newClient(t)
	email := uniqueEmail(t, "redirected")
	victim := createIdentity(t, c, email, "Old-Password-1")
	var mode atomic.Value
	p := newHostileProxy(t, func(w http.ResponseWriter, r *http.Request) bool {
		switch {
		case mode.Load() == "302" && r.Method != http.MethodGet:
			http.Redirect(w, r, "/admin/identities/"+victim.ID, http.StatusFound)
			return true
		case mode.Load() == "loop":
			http.Redirect(w, r, r.URL.Path, http.StatusTemporaryRedirect)
			return true
		}
		return false
	})
	hc := p.client(t)
	ctx := t.Context()

	mode.Store("302")
	_, err := hc.UpdateIdentity(ctx, victim.ID, kratosclient.UpdateIdentityBody{
		Traits: victim.Traits, State: "active",
		Credentials: &kratosclient.CredentialsImport{Password: &kratosclient.PasswordImport{Config: kratosclient.PasswordImportConfig{Password: "New-Password-2"}}},
	})
	var redirectErr *kratosclient.RedirectError
	if !errors.As(err, &redirectErr) || redirectErr.Kind != kratosclient.RedirectChangesMethod || redirectErr.Status != http.StatusFound {
		t.Fatalf("PUT through a 302: %v, want a redirect error that it would turn into a GET", err)
	}
	if _, err := kratos.Login(ctx, email, "Old-Password-1"); err != nil {
		t.Errorf("the old password no longer signs in after a refused PUT: %v", err)
	}
	for what, write := range map[string]func() error{
		"PATCH": func() error {
			_, err := hc.PatchIdentity(ctx, victim.ID, []kratosclient.PatchOp{{Op: "replace", Path: "/state", Value: []byte(`"inactive"`)}})
			return err
		},
		"POST": func() error {
			_, err := hc.CreateIdentity(ctx, kratosclient.CreateIdentityBody{Traits: rawJSON(t, map[string]any{"email": uniqueEmail(t, "post302")})})
			return err
		},
		"DELETE": func() error { return hc.DeleteIdentity(ctx, victim.ID) },
	} {
		if err := write(); !errors.As(err, &redirectErr) || redirectErr.Kind != kratosclient.RedirectChangesMethod {
			t.Errorf("%s through a 302: %v, want a redirect error", what, err)
		}
	}
	if got, err := c.GetIdentity(ctx, victim.ID); err != nil || got.State != "active" {
		t.Errorf("the identity after refused writes: %+v, %v; want it unchanged and active", got, err)
	}

	mode.Store("loop")
	before := p.requests.Load()
	_, err = hc.GetIdentity(ctx, victim.ID)
	if !errors.As(err, &redirectErr) || redirectErr.Kind != kratosclient.RedirectLoop {
		t.Fatalf("GET through a redirect loop: %v, want a redirect loop error", err)
	}
	if n := p.requests.Load() - before; n != 10 {
		t.Errorf("a redirect loop took %d requests, want 10 (one attempt, never retried)", n)
	}
}

// TestHostileEndlessPages answers every list page with [] and a new next token: the walk stops
// with an error after a few pages instead of paging forever.
func TestHostileEndlessPages(t *testing.T) {
	var page atomic.Int64
	p := newHostileProxy(t, func(w http.ResponseWriter, r *http.Request) bool {
		if r.URL.Path != "/admin/identities" {
			return false
		}
		n := page.Add(1)
		w.Header().Set("Link", fmt.Sprintf(`</admin/identities?page_size=250&page_token=t%d>; rel="next"`, n))
		_, _ = io.WriteString(w, "[]")
		return true
	})
	_, err := kratosclient.Collect(p.client(t).ListIdentities(t.Context(), kratosclient.ListIdentitiesParams{}))
	if err == nil || !strings.Contains(err.Error(), "pages in a row that added nothing") {
		t.Fatalf("endless empty pages: %v, want the walk stopped", err)
	}
	if n := page.Load(); n > 5 {
		t.Errorf("the walk asked for %d pages, want at most 5", n)
	}
}
