package identityschema

import (
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/santhosh-tekuri/jsonschema/v6"
	"golang.org/x/text/language"
	"golang.org/x/text/message"
)

// Violations validates {"traits": traits} with an identity schema as Kratos does, describing each violation by JSON path and rule.
func Violations(s *jsonschema.Schema, traits string) []string {
	doc, err := jsonschema.UnmarshalJSON(strings.NewReader(`{"traits":` + traits + `}`))
	if err != nil {
		// Invalid JSON has no violations; the traits' own validation reports it.
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
