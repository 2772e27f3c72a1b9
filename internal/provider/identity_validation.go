package provider

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/kratos-tf/terraform-provider-kratos/internal/identityschema"
	"github.com/kratos-tf/terraform-provider-kratos/internal/kratosclient"
)

var (
	_ validator.String = metadataValidator{}
)

// metadataValidator rejects a bare number: Kratos v1.3.1 stores one, and every later read of the identity fails with HTTP 500.
type metadataValidator = knownStringValidator[metadataRule]

// metadataRule is the rule of metadataValidator.
type metadataRule struct{}

func (metadataRule) description() string {
	return "must be a JSON object, array, string, boolean or null; Kratos v1.3.1 stores a bare number so that the identity can no longer be read (HTTP 500)"
}

func (r metadataRule) problem(value string) (string, string) {
	if doc, err := decodeJSON(value); err == nil {
		if _, isNumber := doc.(json.Number); isNumber {
			return "Unsupported metadata", fmt.Sprintf("The value %s: wrap the number in an object, for example {\"value\": 1}.", r.description())
		}
	}
	return "", ""
}

// addUnproducedAddressErrors reports, on login.verified_addresses, each wanted address that the
// traits do not produce as a verifiable address under the identity schema s: Kratos would
// drop it, after the traits were already written.
func addUnproducedAddressErrors(s *jsonschema.Schema, traits string, want []string, diags *diag.Diagnostics) {
	var produced []string
	for _, m := range identityschema.MarkedValues(s, traits) {
		if m.Mark.Verifiable {
			produced = append(produced, m.Value)
		}
	}
	var missing []string
	for _, w := range want {
		if !slices.Contains(produced, identityschema.NormalizeAddress(w)) {
			missing = append(missing, w)
		}
	}
	if len(missing) == 0 {
		return
	}
	diags.AddAttributeError(path.Root("login").AtName("verified_addresses"), "Address not produced by the traits",
		fmt.Sprintf("The planned traits do not produce %s as a verifiable address, so Kratos could not keep it verified: only addresses "+
			"derived from the traits through the identity schema's verification settings can be verified, and these traits have %s. "+
			"Fix the traits or remove the address from login.verified_addresses.", quotedList(missing), describeAddresses(produced)))
}

// blankIdentifierAdvice is what to do about a blank login identifier.
const blankIdentifierAdvice = "Kratos v1.3.1 cannot store an empty identifier and answers with HTTP 500. " +
	"Give it a value, or leave the trait out where the identity schema does not require it."

// addUnknownSchemaError says, on the attribute at, that Kratos has no identity schema id and which
// it has; who (such as `Member "a": `) starts the detail.
// Kratos's own reason is not repeated: on GET /schemas/{id} it shows the ID base64-decoded,
// which for most IDs is garbage.
func addUnknownSchemaError(ctx context.Context, client *kratosclient.Client, diags *diag.Diagnostics, at path.Path, who, summary, id string) {
	have := ""
	if ids, err := schemaIDs(ctx, client); err == nil && len(ids) > 0 {
		have = ", " + quotedList(ids)
	}
	diags.AddAttributeError(at, summary,
		fmt.Sprintf(who+"Kratos has no identity schema %q. Set schema_id to one of the IDs Kratos has%s (the kratos_identity_schemas data source lists them), "+
			"or add the schema under identity.schemas in Kratos's configuration.", id, have))
}
