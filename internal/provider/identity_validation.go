package provider

import (
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/santhosh-tekuri/jsonschema/v6"
	"golang.org/x/text/language"
	"golang.org/x/text/message"
)

var (
	_ validator.String = metadataValidator{}
)

// schemaViolations validates {"traits": traits} with an identity schema, as Kratos does, and
// describes each violation by JSON path and rule. Invalid JSON yields nothing: the type's own
// validation reports it.
func schemaViolations(s *jsonschema.Schema, traits string) []string {
	doc, err := jsonschema.UnmarshalJSON(strings.NewReader(`{"traits":` + traits + `}`))
	if err != nil {
		return nil
	}
	err = s.Validate(doc)
	if err == nil {
		return nil
	}
	var verr *jsonschema.ValidationError
	if !errors.As(err, &verr) {
		return []string{err.Error()}
	}
	printer := message.NewPrinter(language.English)
	var out []string
	var walk func(e *jsonschema.ValidationError)
	walk = func(e *jsonschema.ValidationError) {
		if len(e.Causes) > 0 {
			for _, c := range e.Causes {
				walk(c)
			}
			return
		}
		out = append(out, fmt.Sprintf("at %s: %s (rule %q)",
			jsonPointer(e.InstanceLocation), e.ErrorKind.LocalizedString(printer), strings.Join(e.ErrorKind.KeywordPath(), "/")))
	}
	walk(verr)
	slices.Sort(out)
	return out
}

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

// addUnproducedAddressErrors reports, on verified_addresses, each wanted address that the
// traits do not produce as a verifiable address under the identity schema s: Kratos would
// drop it, after the traits were already written.
func addUnproducedAddressErrors(s *jsonschema.Schema, traits string, want []string, diags *diag.Diagnostics) {
	var produced []string
	for _, m := range markedValues(s, traits) {
		if m.mark.verifiable {
			produced = append(produced, m.value)
		}
	}
	var missing []string
	for _, w := range want {
		if !slices.Contains(produced, normalizeAddress(w)) {
			missing = append(missing, w)
		}
	}
	if len(missing) == 0 {
		return
	}
	diags.AddAttributeError(path.Root("verified_addresses"), "Address not produced by the traits",
		fmt.Sprintf("The planned traits do not produce %s as a verifiable address, so Kratos could not keep it verified: only addresses "+
			"derived from the traits through the identity schema's verification settings can be verified, and these traits have %s. "+
			"Fix the traits or remove the address from verified_addresses.", quotedList(missing), describeAddresses(produced)))
}
