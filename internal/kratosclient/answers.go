package kratosclient

import (
	"bytes"
	"encoding/json"
	"fmt"
	"reflect"
	"strings"
)

// decodeIdentity decodes an answer that must be one identity: the one with wantID when it is
// not empty, with traits that are a JSON object. Anything else is an *AnswerError, so that
// nothing is written to the state or sent on the strength of another identity's data.
func decodeIdentity(resp *response, wantID string) (*Identity, error) {
	out := Identity{Raw: resp.body}
	if err := decode(resp, &out); err != nil {
		return nil, err
	}
	if wantID != "" && !strings.EqualFold(out.ID, wantID) {
		return nil, resp.answerError(fmt.Sprintf("the answer is identity %q, not %s, the one asked for; a proxy or cache in between may be misrouting", out.ID, wantID))
	}
	if err := checkTraitsObject(resp, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// checkTraitsObject refuses an identity whose traits are not a JSON object.
func checkTraitsObject(resp *response, i *Identity) error {
	if t := bytes.TrimSpace(i.Traits); len(t) == 0 || t[0] != '{' {
		return resp.answerError(fmt.Sprintf("the traits of identity %s are not a JSON object", i.ID))
	}
	return nil
}

// checkCreated refuses a create answer that does not describe the identity sent: another schema
// or other traits (compared as JSON values, so key order and number spelling do not matter).
func checkCreated(resp *response, sent CreateIdentityBody, got *Identity) error {
	if sent.SchemaID != "" && got.SchemaID != sent.SchemaID {
		return resp.answerError(fmt.Sprintf("the answer is identity %s with schema %q, not the %q sent", got.ID, got.SchemaID, sent.SchemaID))
	}
	if !sameJSON(sent.Traits, got.Traits) {
		return resp.answerError(fmt.Sprintf("the answer is identity %s, whose traits are not those sent", got.ID))
	}
	return nil
}

// sameJSON reports whether a and b encode equal JSON values, numbers compared as float64.
func sameJSON(a, b json.RawMessage) bool {
	var x, y any
	return json.Unmarshal(a, &x) == nil && json.Unmarshal(b, &y) == nil && reflect.DeepEqual(x, y)
}
