package identityschema

import (
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"
)

// mustCompile compiles an identity schema with Compile, failing the test if it does not compile.
func mustCompile(t *testing.T, raw string) *jsonschema.Schema {
	t.Helper()
	s, err := Compile("test", []byte(raw))
	if err != nil {
		t.Fatal(err)
	}
	return s
}
