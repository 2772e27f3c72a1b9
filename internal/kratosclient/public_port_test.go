package kratosclient_test

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/kratos-tf/terraform-provider-kratos/internal/kratosclient"
)

// TestPublicPortIsRecognised proves that an admin URL naming Kratos's public port is recognised
// whichever way the public port answers the request (a redirect to the admin base URL, a plain
// 404, a CSRF refusal), and that its 404 is not taken for a missing object.
func TestPublicPortIsRecognised(t *testing.T) {
	c, err := kratosclient.New(kratos.PublicURL, kratosclient.WithBackoff(10*time.Millisecond, 100*time.Millisecond))
	if err != nil {
		t.Fatal(err)
	}
	calls := map[string]func() error{
		"list identities (redirected)": func() error { return listError(t, c) },
		"get a session (404 page not found)": func() error {
			_, err := c.GetSession(t.Context(), unknownUUID)
			return err
		},
		"create a recovery code (CSRF)": func() error {
			_, err := c.CreateRecoveryCodeForIdentity(t.Context(), kratosclient.CreateRecoveryCodeBody{IdentityID: unknownUUID}, "")
			return err
		},
		"read the version (404 page not found)": func() error {
			_, err := c.ServerVersion(t.Context())
			return err
		},
	}
	for name, call := range calls {
		t.Run(name, func(t *testing.T) {
			start := time.Now()
			err := call()
			t.Logf("failed in %s: %v", time.Since(start).Round(time.Millisecond), err)
			var portErr *kratosclient.PublicPortError
			if !errors.As(err, &portErr) {
				t.Fatalf("err = %v (%T), want a *PublicPortError", err, err)
			}
			if portErr.URL != kratos.PublicURL || !strings.Contains(err.Error(), "is Kratos's public port, not its admin port") {
				t.Errorf("err = %q, want it to name %s as the public port", err, kratos.PublicURL)
			}
			if kratosclient.IsNotFound(err) {
				t.Errorf("IsNotFound(%v) = true: the public port's 404 says nothing about the object", err)
			}
		})
	}
}

// TestOtherFailuresAreNotThePublicPort proves the public-port check confirms before it speaks:
// Kratos's admin port's own 404 and a server that answers 404 everywhere (no Kratos at all)
// keep their answers.
func TestOtherFailuresAreNotThePublicPort(t *testing.T) {
	c, _ := newClient(t)
	if _, err := c.GetSession(t.Context(), unknownUUID); !kratosclient.IsNotFound(err) {
		t.Errorf("admin port, unknown session: %v, want Kratos's 404", err)
	}
	srv := httptest.NewServer(http.NotFoundHandler())
	t.Cleanup(srv.Close)
	other, err := kratosclient.New(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	_, err = other.ServerVersion(t.Context())
	var portErr *kratosclient.PublicPortError
	if errors.As(err, &portErr) || kratosclient.StatusCode(err) != http.StatusNotFound {
		t.Errorf("a server that answers 404 everywhere: %v, want its plain 404", err)
	}
}

// TestFromKratos proves Kratos's JSON errors are told from a proxy's answers.
func TestFromKratos(t *testing.T) {
	c, _ := newClient(t)
	_, err := c.GetIdentity(t.Context(), unknownUUID)
	if apiErr := wantStatus(t, "Kratos's 404", err, http.StatusNotFound); !apiErr.FromKratos() {
		t.Errorf("Kratos's own 404 %v: FromKratos() = false", err)
	}
	proxy := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		http.Error(w, "Unauthorized", http.StatusUnauthorized)
	}))
	t.Cleanup(proxy.Close)
	behind, err := kratosclient.New(proxy.URL)
	if err != nil {
		t.Fatal(err)
	}
	_, err = behind.GetIdentity(t.Context(), unknownUUID)
	if apiErr := wantStatus(t, "a proxy's 401", err, http.StatusUnauthorized); apiErr.FromKratos() {
		t.Errorf("a proxy's plain-text 401 %v: FromKratos() = true", err)
	}
}
