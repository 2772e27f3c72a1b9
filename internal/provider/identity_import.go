package provider

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"

	"github.com/google/uuid"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/kratos-tf/terraform-provider-kratos/internal/kratosclient"
)

// maxIdentifierLookups bounds how many trait values are looked up to explain a conflict or
// to find an identity whose creation response was lost.
const maxIdentifierLookups = 20

// ImportState accepts an identity ID (a UUID) or a credential identifier such as an email.
func (r *identityResource) ImportState(ctx context.Context, req resource.ImportStateRequest, resp *resource.ImportStateResponse) {
	id := strings.TrimSpace(req.ID)
	if id == "" {
		// Kratos would read an empty identifier filter as none and list every identity.
		resp.Diagnostics.AddError("Empty import ID",
			"The import ID is empty. Use the identity's ID (a UUID) or one of its credential identifiers, such as its login email.")
		return
	}
	if _, err := uuid.Parse(id); err != nil {
		client := r.data.clientOrError(&resp.Diagnostics)
		if resp.Diagnostics.HasError() {
			return
		}
		matches, err := findByIdentifier(ctx, client, id)
		if err != nil {
			addClientError(&resp.Diagnostics, "Unable to Import Identity", err)
			return
		}
		switch len(matches) {
		case 0:
			resp.Diagnostics.AddError("Identity not found",
				fmt.Sprintf("%q is not a UUID, so it was looked up as a credential identifier (login email, username or oidc provider:subject), "+
					"and no identity has it. Import by the identity's ID instead, or check the spelling.", id))
			return
		case 1:
			id = matches[0].ID
		default:
			resp.Diagnostics.AddError("Ambiguous identifier",
				fmt.Sprintf("%q is a credential identifier of %d identities (%s). Import by the identity's ID instead.",
					id, len(matches), strings.Join(identityIDs(matches), ", ")))
			return
		}
	}
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("id"), id)...)
}

// findByIdentifier lists the identities that have the exact credential identifier.
func findByIdentifier(ctx context.Context, client *kratosclient.Client, identifier string) ([]kratosclient.Identity, error) {
	return kratosclient.Collect(client.ListIdentities(ctx, kratosclient.ListIdentitiesParams{CredentialsIdentifier: identifier}))
}

// identityIDs lists the IDs of identities.
func identityIDs(ids []kratosclient.Identity) []string {
	out := make([]string, len(ids))
	for i, id := range ids {
		out[i] = id.ID
	}
	return out
}

// recoverLostCreate finds out what happened to a create whose answer was lost. An identity
// with one of the planned identifiers and identical traits is adopted; when none exists the
// create is sent once more; anything else is an error that names what was found.
func (r *identityResource) recoverLostCreate(ctx context.Context, client *kratosclient.Client, body kratosclient.CreateIdentityBody, cause error) (*kratosclient.Identity, error) {
	candidates, fromSchema := r.traitIdentifiers(ctx, body.SchemaID, body.Traits)
	if !fromSchema {
		// Without the schema any string may be an identifier; only an identity with identical
		// traits is adopted, so looking up too many is harmless.
		candidates = traitStrings(body.Traits)
	}
	if body.Credentials != nil && body.Credentials.OIDC != nil {
		for _, p := range body.Credentials.OIDC.Config.Providers {
			candidates = appendCandidate(candidates, p.Identifier())
		}
	}
	if len(candidates) == 0 {
		return nil, fmt.Errorf("%w; the traits hold no value that could be a login identifier, so the provider cannot tell whether Kratos created the identity: "+
			"look for it in Kratos and import it, or delete it, before applying again", cause)
	}
	found, err := findWithTraits(ctx, client, candidates, body.Traits)
	if err != nil {
		return nil, fmt.Errorf("%w; looking for the identity it may have created also failed: %w", cause, err)
	}
	switch len(found) {
	case 1:
		return &found[0], nil
	case 0:
		created, err := client.CreateIdentity(ctx, body)
		if kratosclient.IsConflict(err) {
			// The first request won the race after all: look once more.
			if found, ferr := findWithTraits(ctx, client, candidates, body.Traits); ferr == nil && len(found) == 1 {
				return &found[0], nil
			}
		}
		return created, err
	default:
		return nil, fmt.Errorf("%w; identities %s have the planned traits, so the provider cannot tell which one it created: "+
			"import the right one and delete the others", cause, strings.Join(identityIDs(found), ", "))
	}
}

// findWithTraits returns the distinct identities that have one of the identifiers and
// traits equal to traits.
func findWithTraits(ctx context.Context, client *kratosclient.Client, identifiers []string, traits json.RawMessage) ([]kratosclient.Identity, error) {
	var out []kratosclient.Identity
	for _, ident := range identifiers {
		matches, err := findByIdentifier(ctx, client, ident)
		if err != nil {
			return nil, err
		}
		for _, m := range matches {
			if slices.ContainsFunc(out, func(o kratosclient.Identity) bool { return o.ID == m.ID }) {
				continue
			}
			if eq, err := jsonSemanticEqual(string(m.Traits), string(traits)); err == nil && eq {
				out = append(out, m)
			}
		}
	}
	return out, nil
}

// traitIdentifiers lists the credential identifiers Kratos would derive from traits: the values
// the identity schema marks as login identifiers (see loginIdentifiers), as Kratos stores them.
// fromSchema is false when the schema cannot be loaded; on create without schema_id it is
// Kratos's default, which the provider cannot know.
func (r *identityResource) traitIdentifiers(ctx context.Context, schemaID string, traits json.RawMessage) (ids []string, fromSchema bool) {
	if schemaID == "" || r.data == nil || r.data.schemas == nil {
		return nil, false
	}
	s, err := r.data.schemas.get(ctx, schemaID)
	if err != nil {
		return nil, false
	}
	for _, id := range loginIdentifiers(s, string(traits)) {
		ids = appendCandidate(ids, id.value)
	}
	return ids, true
}

// traitStrings lists every string in the traits, normalised as Kratos matches identifiers.
func traitStrings(traits json.RawMessage) []string {
	var out []string
	if v, err := decodeJSON(string(traits)); err == nil {
		walkStrings(v, func(s string) { out = appendCandidate(out, normalizeAddress(s)) })
	}
	return out
}

// appendCandidate adds a value to look up unless it is empty, already listed or one too many.
func appendCandidate(list []string, s string) []string {
	if s == "" || slices.Contains(list, s) || len(list) >= maxIdentifierLookups {
		return list
	}
	return append(list, s)
}

// walkStrings calls fn for every string inside a decoded JSON value, in key order.
func walkStrings(v any, fn func(string)) {
	switch v := v.(type) {
	case string:
		fn(v)
	case []any:
		for _, e := range v {
			walkStrings(e, fn)
		}
	case map[string]any:
		for _, k := range slices.Sorted(maps.Keys(v)) {
			walkStrings(v[k], fn)
		}
	}
}

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

// blankIdentifierAdvice is what to do about a blank login identifier.
const blankIdentifierAdvice = "Kratos v1.3.1 cannot store an empty identifier and answers with HTTP 500. " +
	"Give it a value, or leave the trait out where the identity schema does not require it."

// addBlankIdentifierErrors reports, on traits, each login identifier that is empty or only whitespace.
func addBlankIdentifierErrors(s *jsonschema.Schema, traits string, diags *diag.Diagnostics) {
	for _, id := range loginIdentifiers(s, traits) {
		if id.value == "" {
			diags.AddAttributeError(path.Root("traits"), "Blank login identifier",
				fmt.Sprintf("The identity schema makes the value at %s a login identifier, and it is empty or only whitespace. %s", id.pointer, blankIdentifierAdvice))
		}
	}
}

// addUnknownSchemaError says, on schema_id, that Kratos has no identity schema id and which it has.
// Kratos's own reason is not repeated: on GET /schemas/{id} it shows the ID base64-decoded,
// which for most IDs is garbage.
func addUnknownSchemaError(ctx context.Context, client *kratosclient.Client, diags *diag.Diagnostics, summary, id string) {
	have := ""
	if ids, err := schemaIDs(ctx, client); err == nil && len(ids) > 0 {
		have = ", " + quotedList(ids)
	}
	diags.AddAttributeError(path.Root("schema_id"), summary,
		fmt.Sprintf("Kratos has no identity schema %q. Set schema_id to one of the IDs Kratos has%s (the kratos_identity_schemas data source lists them), "+
			"or add the schema under identity.schemas in Kratos's configuration.", id, have))
}

// addWriteError explains a failed create or update of the identity self ("" on create) with
// these schema ID and traits: a conflict names the identifiers already taken and suggests
// importing; a validation failure points at traits, an unknown schema at schema_id.
func (r *identityResource) addWriteError(ctx context.Context, diags *diag.Diagnostics, summary, self, schemaID string, traits json.RawMessage, err error) {
	var apiErr *kratosclient.APIError
	if !errors.As(err, &apiErr) {
		addClientError(diags, summary, err)
		return
	}
	switch {
	case kratosclient.IsConflict(err):
		diags.AddAttributeError(path.Root("traits"), summary+": identifier already taken", r.conflictDetail(ctx, self, schemaID, traits, apiErr))
	case kratosclient.IsHashRejected(err):
		diags.AddAttributeError(path.Root("hashed_password"), summary+": hash rejected",
			"Kratos answered: "+apiErr.Detail()+"\n\nUse a hash in a format Kratos imports.")
	case kratosclient.IsUnknownSchema(err):
		addUnknownSchemaError(ctx, r.data.client, diags, summary+": unknown identity schema", schemaID)
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

// conflictDetail names the identifiers from traits that identities other than self already use.
func (r *identityResource) conflictDetail(ctx context.Context, self, schemaID string, traits json.RawMessage, cause *kratosclient.APIError) string {
	var taken []string
	// Only the schema says which values are identifiers: any other string may equal some
	// identity's identifier by chance (a last name and a username), so nothing else is looked up.
	candidates, _ := r.traitIdentifiers(ctx, schemaID, traits)
	for _, c := range candidates {
		matches, err := findByIdentifier(ctx, r.data.client, c)
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
