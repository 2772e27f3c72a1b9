package provider

import (
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"

	"github.com/kratos-tf/terraform-provider-kratos/internal/kratosclient"
)

// TestSchemaCache proves a schema is fetched once while a failed fetch is asked again.
func TestSchemaCache(t *testing.T) {
	var requests atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		// The first answer is an outage (a stand-in for what a real Kratos cannot be made to do).
		if requests.Add(1) == 1 {
			http.Error(w, "restarting", http.StatusInternalServerError)
			return
		}
		_, _ = w.Write([]byte(`{"type":"object","properties":{"traits":{"type":"object"}}}`))
	}))
	t.Cleanup(srv.Close)
	client, err := kratosclient.New(srv.URL, kratosclient.WithMaxRetries(0))
	if err != nil {
		t.Fatal(err)
	}
	cache := newSchemaCache(client)
	if _, err := cache.get(t.Context(), "default"); err == nil {
		t.Fatal("the outage was not reported")
	}
	for range 3 {
		if s, err := cache.get(t.Context(), "default"); err != nil || s == nil {
			t.Fatalf("get after the outage: %v, %v", s, err)
		}
	}
	if got := requests.Load(); got != 2 {
		t.Errorf("%d requests, want 2: one failed, then one fetch that is kept", got)
	}
}
