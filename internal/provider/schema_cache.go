package provider

import (
	"bytes"
	"context"
	"fmt"
	"sync"

	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/kratos-tf/terraform-provider-kratos/internal/kratosclient"
)

// schemaCache fetches and compiles each identity schema at most once per provider process;
// a failed fetch is not kept, so a passing outage does not disable validation for the run.
type schemaCache struct {
	client  *kratosclient.Client
	mu      sync.Mutex
	entries map[string]*schemaEntry
}

// schemaEntry is one schema, fetched once; concurrent callers wait for the same fetch.
type schemaEntry struct {
	once   sync.Once
	schema *jsonschema.Schema
	err    error
}

// newSchemaCache returns an empty cache that fetches through client.
func newSchemaCache(client *kratosclient.Client) *schemaCache {
	return &schemaCache{client: client, entries: map[string]*schemaEntry{}}
}

// get returns the compiled schema with the given ID.
func (c *schemaCache) get(ctx context.Context, id string) (*jsonschema.Schema, error) {
	c.mu.Lock()
	e, ok := c.entries[id]
	if !ok {
		e = &schemaEntry{}
		c.entries[id] = e
	}
	c.mu.Unlock()
	e.once.Do(func() { e.schema, e.err = c.fetch(ctx, id) })
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

// fetch downloads and compiles one schema.
func (c *schemaCache) fetch(ctx context.Context, id string) (*jsonschema.Schema, error) {
	raw, err := c.client.GetIdentitySchema(ctx, id)
	if err != nil {
		return nil, err
	}
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(raw))
	if err != nil {
		return nil, fmt.Errorf("identity schema %q is not valid JSON: %w", id, err)
	}
	location := "kratos:///schemas/" + id
	compiler := newSchemaCompiler()
	// Kratos's own keywords ("ory.sh/kratos") are annotations, not assertions; the vocabulary
	// keeps which values are login identifiers, under every draft with AssertVocabs (without
	// it only draft-07 schemas would apply it).
	compiler.RegisterVocabulary(kratosVocabulary)
	compiler.AssertVocabs()
	if err := compiler.AddResource(location, doc); err != nil {
		return nil, fmt.Errorf("identity schema %q: %w", id, err)
	}
	s, err := compiler.Compile(location)
	if err != nil {
		return nil, fmt.Errorf("identity schema %q does not compile: %w", id, err)
	}
	return s, nil
}
