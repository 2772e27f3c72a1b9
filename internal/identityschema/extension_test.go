package identityschema

import (
	"strings"
	"testing"
)

// TestKratosKeywordMalformed proves a schema whose extension Kratos could not read does not compile here either.
func TestKratosKeywordMalformed(t *testing.T) {
	t.Parallel()
	_, err := Compile("test", []byte(`{"properties": {"traits": {"properties": {"email": {"type": "string",
  "ory.sh/kratos": {"credentials": {"password": {"identifier": "yes"}}}}}}}}`))
	if err == nil || !strings.Contains(err.Error(), kratosKeyword) {
		t.Errorf("got %v, want an error naming %s", err, kratosKeyword)
	}
}
