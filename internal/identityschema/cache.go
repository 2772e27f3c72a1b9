package identityschema

import (
	"context"
	"encoding/json"
	"sync"

	"github.com/santhosh-tekuri/jsonschema/v6"
)

// Cache fetches and compiles each identity schema once per provider process, keeping no failure, so a passing outage does not disable validation.
type Cache struct {
	fetch   func(ctx context.Context, id string) (json.RawMessage, error)
	mu      sync.Mutex
	entries map[string]*cacheEntry
}

// cacheEntry is one schema, fetched once; concurrent callers wait for the same fetch.
type cacheEntry struct {
	once   sync.Once
	schema *jsonschema.Schema
	err    error
}

// NewCache returns an empty cache that reads each schema's JSON document with fetch, such as kratosclient.Client.GetIdentitySchema.
func NewCache(fetch func(ctx context.Context, id string) (json.RawMessage, error)) *Cache {
	return &Cache{fetch: fetch, entries: map[string]*cacheEntry{}}
}

// Get returns the compiled identity schema with the given ID, or the error of fetching or compiling it.
func (c *Cache) Get(ctx context.Context, id string) (*jsonschema.Schema, error) {
	c.mu.Lock()
	e, ok := c.entries[id]
	if !ok {
		e = &cacheEntry{}
		c.entries[id] = e
	}
	c.mu.Unlock()
	e.once.Do(func() { e.schema, e.err = c.load(ctx, id) })
	if e.err != nil {
		// Forget a failure, which may be passing, so that the next plan asks again.
		c.mu.Lock()
		if c.entries[id] == e {
			delete(c.entries, id)
		}
		c.mu.Unlock()
	}
	return e.schema, e.err
}

// load fetches and compiles one schema.
func (c *Cache) load(ctx context.Context, id string) (*jsonschema.Schema, error) {
	raw, err := c.fetch(ctx, id)
	if err != nil {
		return nil, err
	}
	return Compile(id, raw)
}
