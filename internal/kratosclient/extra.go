package kratosclient

import (
	"encoding/json"
	"reflect"
	"strings"
	"sync"
)

// Extra holds the JSON fields of a response object that this client does not model, so that
// a value read from a newer Kratos can be written back without losing them.
type Extra map[string]json.RawMessage

// knownFields caches the JSON names of each struct type's fields.
var knownFields sync.Map // reflect.Type -> map[string]bool

// fieldNames returns the JSON field names of struct type t.
func fieldNames(t reflect.Type) map[string]bool {
	if v, ok := knownFields.Load(t); ok {
		return v.(map[string]bool) //nolint:forcetypeassert // only this function stores values
	}
	names := map[string]bool{}
	for i := range t.NumField() {
		tag := t.Field(i).Tag.Get("json")
		name, _, _ := strings.Cut(tag, ",")
		if name != "" && name != "-" {
			names[name] = true
		}
	}
	knownFields.Store(t, names)
	return names
}

// unmarshalWithExtra decodes data into known (a pointer to a struct without custom JSON
// methods) and returns the fields the struct does not declare.
func unmarshalWithExtra(data []byte, known any) (Extra, error) {
	if err := json.Unmarshal(data, known); err != nil {
		return nil, err
	}
	var all map[string]json.RawMessage
	if err := json.Unmarshal(data, &all); err != nil {
		return nil, err
	}
	names := fieldNames(reflect.TypeOf(known).Elem())
	var extra Extra
	for k, v := range all {
		if !names[k] {
			if extra == nil {
				extra = Extra{}
			}
			extra[k] = v
		}
	}
	return extra, nil
}

// marshalWithExtra encodes known (a struct without custom JSON methods) plus extra fields.
func marshalWithExtra(known any, extra Extra) ([]byte, error) {
	data, err := json.Marshal(known)
	if err != nil || len(extra) == 0 {
		return data, err
	}
	var all map[string]json.RawMessage
	if err := json.Unmarshal(data, &all); err != nil {
		return nil, err
	}
	for k, v := range extra {
		if _, ok := all[k]; !ok {
			all[k] = v
		}
	}
	return json.Marshal(all)
}
