package provider

import (
	"context"
	"encoding/json"
	"testing"

	"github.com/kratos-tf/terraform-provider-kratos/internal/kratosclient"
)

// TestFlattenIdentityReadSide_stableOrder proves the state does not depend on which endpoint
// answered: write responses list identifiers and addresses in traits order, reads by ID.
func TestFlattenIdentityReadSide_stableOrder(t *testing.T) {
	written := &kratosclient.Identity{
		ID: "i", SchemaID: "default", State: "active", Traits: json.RawMessage(`{}`),
		Credentials: map[string]kratosclient.Credentials{"password": {Type: "password", Identifiers: []string{"zed@example.com", "admin"}}},
		VerifiableAddresses: []kratosclient.VerifiableAddress{
			{ID: "2", Value: "b@example.com", Via: "email", Status: "pending"},
			{ID: "1", Value: "a@example.com", Via: "email", Status: "pending"},
		},
		RecoveryAddresses: []kratosclient.RecoveryAddress{{ID: "2", Value: "b@example.com", Via: "email"}, {ID: "1", Value: "a@example.com", Via: "email"}},
	}
	read := *written
	read.Credentials = map[string]kratosclient.Credentials{"password": {Type: "password", Identifiers: []string{"admin", "zed@example.com"}}}
	read.VerifiableAddresses = []kratosclient.VerifiableAddress{written.VerifiableAddresses[1], written.VerifiableAddresses[0]}
	read.RecoveryAddresses = []kratosclient.RecoveryAddress{written.RecoveryAddresses[1], written.RecoveryAddresses[0]}

	a, diags := flattenIdentityReadSide(context.Background(), written)
	if diags.HasError() {
		t.Fatal(diags)
	}
	b, diags := flattenIdentityReadSide(context.Background(), &read)
	if diags.HasError() {
		t.Fatal(diags)
	}
	if !a.Credentials.Equal(b.Credentials) {
		t.Errorf("credentials differ by endpoint:\n%v\n%v", a.Credentials, b.Credentials)
	}
	if !a.VerifiableAddresses.Equal(b.VerifiableAddresses) {
		t.Errorf("verifiable_addresses differ by endpoint:\n%v\n%v", a.VerifiableAddresses, b.VerifiableAddresses)
	}
	if !a.RecoveryAddresses.Equal(b.RecoveryAddresses) {
		t.Errorf("recovery_addresses differ by endpoint:\n%v\n%v", a.RecoveryAddresses, b.RecoveryAddresses)
	}
	if got := a.VerifiableAddresses.Elements()[0].String(); got != `{"status":"pending","value":"a@example.com","verified":false,"via":"email"}` {
		t.Errorf("first address = %s, want the one with the lowest ID", got)
	}
}
