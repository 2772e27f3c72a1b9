package identityschema

import (
	"bytes"
	"fmt"

	"github.com/santhosh-tekuri/jsonschema/v6"
)

// Compile compiles the identity schema id from its JSON document raw, as Kratos v1.3.1 would apply it.
func Compile(id string, raw []byte) (*jsonschema.Schema, error) {
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(raw))
	if err != nil {
		return nil, fmt.Errorf("identity schema %q is not valid JSON: %w", id, err)
	}
	location := "kratos:///schemas/" + id
	compiler := newCompiler()
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

// newCompiler returns a compiler for identity schemas whose format checks are those of
// Kratos v1.3.1, so that plan-time validation reports only what Kratos itself rejects.
func newCompiler() *jsonschema.Compiler {
	c := jsonschema.NewCompiler()
	for _, f := range kratosFormats {
		c.RegisterFormat(f)
	}
	return c
}
