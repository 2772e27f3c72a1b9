package provider

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/kratos-tf/terraform-provider-kratos/internal/identityschema"
	"github.com/kratos-tf/terraform-provider-kratos/internal/kratosclient"
)

// addBlankIdentifierErrors reports, on traits, each login identifier that is empty or only whitespace.
func addBlankIdentifierErrors(s *jsonschema.Schema, traits string, diags *diag.Diagnostics) {
	for _, id := range identityschema.LoginIdentifiers(s, traits) {
		if id.Value == "" {
			diags.AddAttributeError(path.Root("traits"), "Blank login identifier",
				fmt.Sprintf("The identity schema makes the value at %s a login identifier, and it is empty or only whitespace. %s", id.Pointer, blankIdentifierAdvice))
		}
	}
}

// identityWrite is what a failed create or update sent, for addWriteError.
type identityWrite struct {
	// self is the identity updated; "" on create.
	self     string
	schemaID string
	traits   json.RawMessage
	// externalID is the external ID sent; "" when none was.
	externalID string
}

// addWriteError explains a failed create or update: a conflict names the identity that holds
// the external ID or the identifiers already taken and suggests importing; a validation failure
// points at traits, an unknown schema at schema_id.
func addWriteError(ctx context.Context, data *providerData, diags *diag.Diagnostics, summary string, w identityWrite, err error) {
	var apiErr *kratosclient.APIError
	if !errors.As(err, &apiErr) {
		addClientError(diags, summary, err)
		return
	}
	switch {
	case kratosclient.IsConflict(err):
		if holder := externalIDHolder(ctx, data.client, w); holder != "" {
			diags.AddAttributeError(path.Root("external_id"), summary+": external_id already taken",
				fmt.Sprintf("Identity %s already has the external_id %q, and external IDs are unique. Choose another external_id, "+
					"or manage that identity instead: import it with the ID %s or external_id:%s.", holder, w.externalID, holder, w.externalID))
			return
		}
		diags.AddAttributeError(path.Root("traits"), summary+": identifier already taken", conflictDetail(ctx, data, w.self, w.schemaID, w.traits, apiErr))
	case kratosclient.IsHashRejected(err):
		diags.AddAttributeError(path.Root("login").AtName("hashed_password"), summary+": hash rejected",
			"Kratos answered: "+apiErr.Detail()+"\n\nUse a hash in a format Kratos imports.")
	case kratosclient.IsUnknownSchema(err):
		addUnknownSchemaError(ctx, data.client, diags, path.Root("schema_id"), "", summary+": unknown identity schema", w.schemaID)
	case kratosclient.IsSchemaViolation(err):
		diags.AddAttributeError(path.Root("traits"), summary+": traits rejected by the identity schema",
			"Kratos answered: "+apiErr.Detail()+"\n\nI[…] is the place in the traits, S[…] the schema rule. Fix the traits to match the identity schema.")
	case kratosclient.IsEmptyIdentifier(err):
		diags.AddAttributeError(path.Root("traits"), summary+": blank login identifier",
			"A login identifier in the traits is empty or only whitespace: Kratos answered "+apiErr.Error()+". "+
				"The identity schema makes some traits login identifiers (credentials.password.identifier and the like). "+blankIdentifierAdvice)
	default:
		addClientError(diags, summary, err)
	}
}

// externalIDHolder returns the ID of the identity other than w.self that holds the external ID
// w sent, or "" when none was sent or none other holds it (the conflict is then elsewhere).
func externalIDHolder(ctx context.Context, client *kratosclient.Client, w identityWrite) string {
	if w.externalID == "" {
		return ""
	}
	holder, err := client.GetIdentityByExternalID(ctx, w.externalID)
	if err != nil || holder.ID == w.self {
		return ""
	}
	return holder.ID
}

// conflictDetail names the identifiers from traits that identities other than self already use.
func conflictDetail(ctx context.Context, data *providerData, self, schemaID string, traits json.RawMessage, cause *kratosclient.APIError) string {
	var taken []string
	// Only the schema says which values are identifiers: any other string may equal some
	// identity's identifier by chance (a last name and a username), so nothing else is looked up.
	candidates, _ := traitIdentifiers(ctx, data.schemas, schemaID, traits)
	for _, c := range candidates {
		matches, err := findByIdentifier(ctx, data.client, c)
		if err != nil {
			break
		}
		for _, m := range matches {
			if m.ID == self {
				continue
			}
			taken = append(taken, fmt.Sprintf("%q is an identifier of identity %s", c, m.ID))
		}
	}
	if len(taken) == 0 {
		return fmt.Sprintf("Kratos answered %s.\n\nA value in the traits is already used by another identity: a login identifier, "+
			"or a verification or recovery address (these are unique too). Find the identity with `terraform import` "+
			"by its email, or change the traits.", cause.Error())
	}
	return fmt.Sprintf("Kratos answered HTTP 409 Conflict: %s.\n\nTo manage the existing identity instead, import it: "+
		"terraform import <resource address> <identity ID>, or an import block with that ID.", strings.Join(taken, "; "))
}

// checkVerified adds an error for each wanted address that Kratos does not list as verified.
func checkVerified(id *kratosclient.Identity, want []string, diags *diag.Diagnostics) {
	var missing []string
	for _, w := range want {
		found := slices.ContainsFunc(id.VerifiableAddresses, func(a kratosclient.VerifiableAddress) bool {
			return a.Verified && identityschema.NormalizeAddress(a.Value) == identityschema.NormalizeAddress(w)
		})
		if !found {
			missing = append(missing, w)
		}
	}
	if len(missing) == 0 {
		return
	}
	have := make([]string, 0, len(id.VerifiableAddresses))
	for _, a := range id.VerifiableAddresses {
		have = append(have, a.Value)
	}
	diags.AddAttributeError(path.Root("login").AtName("verified_addresses"), "Address not produced by the traits",
		fmt.Sprintf("Kratos did not keep %s verified: only addresses derived from the traits through the identity schema's "+
			"verification settings can be verified, and identity %s has %s. Fix the traits or remove the address from login.verified_addresses.",
			quotedList(missing), id.ID, describeAddresses(have)))
}
