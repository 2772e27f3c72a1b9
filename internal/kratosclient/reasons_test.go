package kratosclient_test

import (
	"encoding/json"
	"net/http"
	"testing"

	"github.com/kratos-tf/terraform-provider-kratos/internal/kratosclient"
)

// TestReasonPredicatesMatchKratosWording makes Kratos refuse a create for each reason that
// the predicates tell apart by wording, and checks that exactly the right predicate matches.
func TestReasonPredicatesMatchKratosWording(t *testing.T) {
	c, _ := newClient(t)
	predicates := map[string]func(error) bool{
		"IsHashRejected":    kratosclient.IsHashRejected,
		"IsUnknownSchema":   kratosclient.IsUnknownSchema,
		"IsSchemaViolation": kratosclient.IsSchemaViolation,
		"IsEmptyIdentifier": kratosclient.IsEmptyIdentifier,
	}
	cases := []struct {
		name, want string
		status     int
		body       kratosclient.CreateIdentityBody
	}{
		{
			name: "unknown hash format", want: "IsHashRejected", status: http.StatusBadRequest,
			body: kratosclient.CreateIdentityBody{
				Traits: json.RawMessage(`{"email":"` + uniqueEmail(t, "hash") + `"}`),
				Credentials: &kratosclient.CredentialsImport{Password: &kratosclient.PasswordImport{
					Config: kratosclient.PasswordImportConfig{HashedPassword: "$unknown$abc"},
				}},
			},
		},
		{
			name: "unknown schema", want: "IsUnknownSchema", status: http.StatusBadRequest,
			body: kratosclient.CreateIdentityBody{SchemaID: "nope", Traits: json.RawMessage(`{"email":"` + uniqueEmail(t, "schema") + `"}`)},
		},
		{
			name: "traits break the schema", want: "IsSchemaViolation", status: http.StatusBadRequest,
			body: kratosclient.CreateIdentityBody{SchemaID: "default", Traits: json.RawMessage(`{"email":"not-an-email"}`)},
		},
		{
			name: "blank login identifier", want: "IsEmptyIdentifier", status: http.StatusInternalServerError,
			body: kratosclient.CreateIdentityBody{SchemaID: "default", Traits: json.RawMessage(`{"email":"` + uniqueEmail(t, "blank") + `","username":"   "}`)},
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := c.CreateIdentity(t.Context(), tc.body)
			wantStatus(t, tc.name, err, tc.status)
			for name, is := range predicates {
				if got := is(err); got != (name == tc.want) {
					t.Errorf("%s(%v) = %t, want %t", name, err, got, name == tc.want)
				}
			}
		})
	}
}
