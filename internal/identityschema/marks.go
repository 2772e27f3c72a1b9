package identityschema

import (
	"maps"
	"slices"
	"strconv"
	"strings"

	"github.com/santhosh-tekuri/jsonschema/v6"
)

// MarkedValue is a trait value that Kratos derives something from.
type MarkedValue struct {
	// Pointer is where it is, such as /traits/username.
	Pointer string
	// Value is as Kratos stores identifiers and addresses (see NormalizeAddress).
	Value string
	// Mark says what Kratos derives from it.
	Mark Mark
}

// NormalizeAddress returns a login identifier or address as Kratos stores it, trimmed and lower-cased (persistence/sql/identity NormalizeIdentifier).
func NormalizeAddress(s string) string { return strings.ToLower(strings.TrimSpace(s)) }

// LoginIdentifiers lists the string values in traits that the identity schema marks as login identifiers, in key order.
func LoginIdentifiers(s *jsonschema.Schema, traits string) []MarkedValue {
	var out []MarkedValue
	for _, m := range MarkedValues(s, traits) {
		if m.Mark.LoginIdentifier {
			out = append(out, m)
		}
	}
	return out
}

// MarkedValues lists the string values in traits that the identity schema marks with Kratos's extension, in key order.
func MarkedValues(s *jsonschema.Schema, traits string) []MarkedValue {
	v, err := jsonschema.UnmarshalJSON(strings.NewReader(traits))
	if err != nil {
		// Invalid JSON has no marked values; the traits' own validation reports it.
		return nil
	}
	w := markWalk{seen: map[markVisit]bool{}}
	w.walk(s, map[string]any{"traits": v}, nil)
	return w.found
}

// markWalk is the state of one MarkedValues walk.
type markWalk struct {
	seen  map[markVisit]bool
	found []MarkedValue
}

// markVisit is a subschema applied at a value location; each is visited once, so that a
// recursive $ref ends.
type markVisit struct {
	schema   *jsonschema.Schema
	location string
}

// walk applies s to the value v at location loc, following properties, items, $ref and the
// allOf/anyOf/oneOf branches as Kratos's validator applies the extension; add combines the marks
// of every subschema that applies at one place.
func (w *markWalk) walk(s *jsonschema.Schema, v any, loc []string) {
	if s == nil {
		return
	}
	visit := markVisit{s, jsonPointer(loc)}
	if w.seen[visit] {
		return
	}
	w.seen[visit] = true
	if str, ok := v.(string); ok {
		for _, e := range s.Extensions {
			if m, ok := e.(Mark); ok {
				w.add(visit.location, str, m)
			}
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

// add records the mark of the value str at location, combined with any mark found there before.
func (w *markWalk) add(location, str string, m Mark) {
	for i := range w.found {
		if f := &w.found[i]; f.Pointer == location {
			f.Mark = Mark{
				LoginIdentifier: f.Mark.LoginIdentifier || m.LoginIdentifier,
				Verifiable:      f.Mark.Verifiable || m.Verifiable,
			}
			return
		}
	}
	w.found = append(w.found, MarkedValue{Pointer: location, Value: NormalizeAddress(str), Mark: m})
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
