package identityschema

import (
	"context"
	"encoding/json"
	"errors"
	"sync/atomic"
	"testing"
)

// TestCache proves a schema is fetched once while a failed fetch is asked again.
func TestCache(t *testing.T) {
	t.Parallel()
	var fetches atomic.Int64
	cache := NewCache(func(_ context.Context, id string) (json.RawMessage, error) {
		if id != "default" {
			t.Errorf("fetched %q, want default", id)
		}
		// The first answer is an outage.
		if fetches.Add(1) == 1 {
			return nil, errors.New("restarting")
		}
		return json.RawMessage(`{"type":"object","properties":{"traits":{"type":"object"}}}`), nil
	})
	if _, err := cache.Get(t.Context(), "default"); err == nil {
		t.Fatal("the outage was not reported")
	}
	for range 3 {
		if s, err := cache.Get(t.Context(), "default"); err != nil || s == nil {
			t.Fatalf("get after the outage: %v, %v", s, err)
		}
	}
	if got := fetches.Load(); got != 2 {
		t.Errorf("%d fetches, want 2: one failed, then one that is kept", got)
	}
}
