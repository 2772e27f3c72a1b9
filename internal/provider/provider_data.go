package provider

import (
	"bytes"
	"context"
	"fmt"
	"sync"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-log/tflog"
	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/kratos-tf/terraform-provider-kratos/internal/kratosclient"
)

// tflogLogger passes the client's account of its requests (attempts, answers, retries and
// waits) to Terraform's log at debug level: TF_LOG=debug shows them.
type tflogLogger struct{}

// Log writes one event of the client to the provider's log.
func (tflogLogger) Log(ctx context.Context, msg string, fields map[string]any) {
	tflog.Debug(ctx, msg, fields)
}

// providerData is what the provider hands to every resource, data source and ephemeral resource.
type providerData struct {
	client  *kratosclient.Client
	schemas *schemaCache
	// unknownAttribute names a provider attribute that is known only after apply; the client
	// cannot be built until then.
	unknownAttribute string
}

// providerDataFrom converts the value a Configure method receives. It returns nil, without a
// diagnostic, before the provider is configured (as during validation).
func providerDataFrom(data any, diags *diag.Diagnostics) *providerData {
	if data == nil {
		return nil
	}
	pd, ok := data.(*providerData)
	if !ok {
		diags.AddError("Unexpected provider data",
			fmt.Sprintf("Expected *providerData, got %T. This is a bug in the provider; please report it.", data))
		return nil
	}
	return pd
}

// clientOrError returns the admin client, or adds a diagnostic saying why there is none.
func (d *providerData) clientOrError(diags *diag.Diagnostics) *kratosclient.Client {
	switch {
	case d == nil:
		diags.AddError("Provider not configured",
			"The kratos provider was not configured before use. This is a bug in the provider or Terraform; please report it.")
		return nil
	case d.client == nil:
		diags.AddError("Provider configuration not yet known",
			fmt.Sprintf("The provider's %s is known only after apply, so Kratos cannot be reached yet. "+
				"Apply the resources it depends on first (for example with -target), then run again.", d.unknownAttribute))
		return nil
	default:
		return d.client
	}
}

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
	return compileIdentitySchema(id, raw)
}

// compileIdentitySchema compiles the identity schema id from its JSON document raw.
func compileIdentitySchema(id string, raw []byte) (*jsonschema.Schema, error) {
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(raw))
	if err != nil {
		return nil, fmt.Errorf("identity schema %q is not valid JSON: %w", id, err)
	}
	location := "kratos:///schemas/" + id
	compiler := newSchemaCompiler()
	// Kratos's own keywords ("ory.sh/kratos") are annotations, not assertions; the vocabulary
	// keeps what Kratos derives from which values, under every draft with AssertVocabs
	// (without it only draft-07 schemas would apply it).
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

// newSchemaCompiler returns a compiler for identity schemas whose format checks are those of
// Kratos v1.3.1, so that plan-time validation reports only what Kratos itself rejects.
func newSchemaCompiler() *jsonschema.Compiler {
	c := jsonschema.NewCompiler()
	for _, f := range kratosFormats {
		c.RegisterFormat(f)
	}
	return c
}

// serverVersion returns the Kratos version behind the admin URL (read once per provider process,
// GET /version), or false after adding a diagnostic that says why it could not be read.
func (d *providerData) serverVersion(ctx context.Context, diags *diag.Diagnostics) (kratosclient.ServerVersion, bool) {
	client := d.clientOrError(diags)
	if client == nil {
		return kratosclient.ServerVersion{}, false
	}
	v, err := client.ServerVersion(ctx)
	if err != nil {
		addClientError(diags, "Unable to Read the Kratos Version", err)
		return kratosclient.ServerVersion{}, false
	}
	return v, true
}
