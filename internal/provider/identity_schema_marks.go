package provider

import (
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"

	"github.com/santhosh-tekuri/jsonschema/v6"
)

// kratosKeyword is the identity schema keyword of Kratos's extension (schema/extension.go).
const kratosKeyword = "ory.sh/kratos"

// kratosVocabulary compiles the kratosKeyword of each subschema into a loginIdentifierMark when
// Kratos makes its value a login identifier, so that loginIdentifiers can find them in a
// compiled schema. It validates nothing: Kratos's keywords are annotations.
var kratosVocabulary = &jsonschema.Vocabulary{URL: "https://www.ory.sh/kratos/identity-schema-extension", Compile: compileKratosKeyword}

// loginIdentifierMark marks a subschema whose value Kratos makes a login identifier.
type loginIdentifierMark struct{}

// Validate accepts every value.
func (loginIdentifierMark) Validate(*jsonschema.ValidatorContext, any) {}

// compileKratosKeyword reads the flags that make a value a credential identifier in Kratos
// v1.3.1 (identity/extension_credentials.go): credentials.password.identifier,
// credentials.webauthn.identifier and credentials.code.identifier. passkey.display_name and
// totp.account_name only label credentials; they are not identifiers.
func compileKratosKeyword(_ *jsonschema.CompilerContext, obj map[string]any) (jsonschema.SchemaExt, error) {
	raw, ok := obj[kratosKeyword]
	if !ok {
		return nil, nil
	}
	type flag struct {
		Identifier bool `json:"identifier"`
	}
	var ext struct {
		Credentials struct {
			Password flag `json:"password"`
			WebAuthn flag `json:"webauthn"`
			Code     flag `json:"code"`
		} `json:"credentials"`
	}
	b, err := json.Marshal(raw)
	if err == nil {
		err = json.Unmarshal(b, &ext)
	}
	if err != nil {
		// Kratos cannot compile such a schema either.
		return nil, fmt.Errorf("%s: %w", kratosKeyword, err)
	}
	if c := ext.Credentials; c.Password.Identifier || c.WebAuthn.Identifier || c.Code.Identifier {
		return loginIdentifierMark{}, nil
	}
	return nil, nil
}

// loginIdentifier is a trait value that Kratos makes a login identifier.
type loginIdentifier struct {
	// pointer is where it is, such as /traits/username.
	pointer string
	// value is as Kratos stores password, webauthn and code identifiers, trimmed and lower-cased
	// like addresses (persistence/sql/identity NormalizeIdentifier).
	value string
}

// loginIdentifiers lists the string values in traits that the compiled identity schema marks
// as login identifiers, in key order, following properties, items, $ref and the
// allOf/anyOf/oneOf branches as Kratos's validator applies the extension.
func loginIdentifiers(s *jsonschema.Schema, traits string) []loginIdentifier {
	v, err := decodeJSON(traits)
	if err != nil {
		return nil
	}
	w := identifierWalk{seen: map[identifierVisit]bool{}}
	w.walk(s, map[string]any{"traits": v}, nil)
	return w.found
}

// identifierWalk is the state of one loginIdentifiers walk.
type identifierWalk struct {
	seen  map[identifierVisit]bool
	found []loginIdentifier
}

// identifierVisit is a subschema applied at a value location; each is visited once, so that a
// recursive $ref ends.
type identifierVisit struct {
	schema   *jsonschema.Schema
	location string
}

// walk applies s to the value v at location loc.
func (w *identifierWalk) walk(s *jsonschema.Schema, v any, loc []string) {
	if s == nil {
		return
	}
	visit := identifierVisit{s, jsonPointer(loc)}
	if w.seen[visit] {
		return
	}
	w.seen[visit] = true
	if str, ok := v.(string); ok && slices.ContainsFunc(s.Extensions, func(e jsonschema.SchemaExt) bool { return e == loginIdentifierMark{} }) {
		if !slices.ContainsFunc(w.found, func(f loginIdentifier) bool { return f.pointer == visit.location }) {
			w.found = append(w.found, loginIdentifier{pointer: visit.location, value: normalizeAddress(str)})
		}
	}
	same := append([]*jsonschema.Schema{s.Ref, s.RecursiveRef}, slices.Concat(s.AllOf, s.AnyOf, s.OneOf)...)
	if s.DynamicRef != nil {
		same = append(same, s.DynamicRef.Ref)
	}
	for _, sub := range same {
		w.walk(sub, v, loc)
	}
	switch v := v.(type) {
	case map[string]any:
		for _, k := range slices.Sorted(maps.Keys(v)) {
			at := append(slices.Clone(loc), k)
			matched := false
			if sub, ok := s.Properties[k]; ok {
				w.walk(sub, v[k], at)
				matched = true
			}
			for _, re := range slices.SortedFunc(maps.Keys(s.PatternProperties), func(a, b jsonschema.Regexp) int { return strings.Compare(a.String(), b.String()) }) {
				if re.MatchString(k) {
					w.walk(s.PatternProperties[re], v[k], at)
					matched = true
				}
			}
			if sub, ok := s.AdditionalProperties.(*jsonschema.Schema); ok && !matched {
				w.walk(sub, v[k], at)
			}
		}
	case []any:
		for i, e := range v {
			at := append(slices.Clone(loc), strconv.Itoa(i))
			w.walk(itemSchema(s, i), e, at)
		}
	}
}

// itemSchema returns the subschema that applies to item i of an array, under any draft.
func itemSchema(s *jsonschema.Schema, i int) *jsonschema.Schema {
	if i < len(s.PrefixItems) {
		return s.PrefixItems[i]
	}
	if s.Items2020 != nil {
		return s.Items2020
	}
	switch items := s.Items.(type) {
	case *jsonschema.Schema:
		return items
	case []*jsonschema.Schema:
		if i < len(items) {
			return items[i]
		}
		additional, _ := s.AdditionalItems.(*jsonschema.Schema)
		return additional
	}
	return nil
}
