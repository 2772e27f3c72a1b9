package provider

import (
	"bytes"
	"encoding/json"
	"fmt"
	"maps"
	"reflect"
	"slices"
	"strings"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/kratos-tf/terraform-provider-kratos/internal/kratosclient"
)

// importMemberAttributes are the attributes a member of identities may have, in the order the
// docs list them.
var importMemberAttributes = []string{
	"schema_id", "traits", "external_id", "state", "metadata_public", "metadata_admin",
	"password", "hashed_password", "verified_addresses", "oidc_providers",
}

// importMember is one member of kratos_identity_import's identities, decoded from the JSON
// document and normalised: JSON values canonical, lists sorted. Two members are the same when
// their importMember values are equal.
type importMember struct {
	SchemaID          string                      `json:"schema_id"`
	Traits            json.RawMessage             `json:"traits"`
	ExternalID        string                      `json:"external_id,omitempty"`
	State             string                      `json:"state,omitempty"`
	MetadataPublic    json.RawMessage             `json:"metadata_public,omitempty"`
	MetadataAdmin     json.RawMessage             `json:"metadata_admin,omitempty"`
	Password          string                      `json:"password,omitempty"`
	HashedPassword    string                      `json:"hashed_password,omitempty"`
	VerifiedAddresses []string                    `json:"verified_addresses,omitempty"`
	OIDCProviders     []kratosclient.OIDCProvider `json:"oidc_providers,omitempty"`
}

// memberProblem is what is wrong with one member's configuration; undecodable says the member
// could not be read at all.
type memberProblem struct {
	key, summary, detail string
	undecodable          bool
}

// decodeImportMembers decodes identities, a JSON object of members by key. It returns every member
// it could decode and the problems of each member in key order: attributes of the wrong type or
// unknown, and values Kratos would refuse (see importMember.problems). err says why the text is
// not a JSON object of objects.
func decodeImportMembers(text string) (map[string]importMember, []memberProblem, error) {
	var raw map[string]json.RawMessage
	if err := json.Unmarshal([]byte(text), &raw); err != nil || raw == nil {
		return nil, nil, fmt.Errorf("identities must be a JSON object of members by key, written with jsonencode({ key = { schema_id = …, traits = … } })")
	}
	members := make(map[string]importMember, len(raw))
	var problems []memberProblem
	for _, key := range slices.Sorted(maps.Keys(raw)) {
		m, found := decodeImportMember(raw[key])
		for _, p := range found {
			problems = append(problems, memberProblem{key: key, summary: p[0], detail: fmt.Sprintf("Member %q: %s", key, p[1]), undecodable: m == nil})
		}
		if m != nil {
			members[key] = *m
		}
	}
	return members, problems, nil
}

// decodeImportMember decodes and checks one member; it returns nil when the member is not an
// object or has an attribute it cannot decode, and each problem as a summary and a detail.
func decodeImportMember(text json.RawMessage) (*importMember, [][2]string) {
	var fields map[string]json.RawMessage
	if err := json.Unmarshal(text, &fields); err != nil || fields == nil {
		return nil, [][2]string{{"Invalid member", "a member must be an object with schema_id, traits and the other attributes of a member."}}
	}
	var m importMember
	var problems [][2]string
	wrongType := func(name, want string) {
		problems = append(problems, [2]string{"Invalid member attribute", fmt.Sprintf("%s must be %s.", name, want)})
	}
	empty := map[string]bool{}
	for _, name := range slices.Sorted(maps.Keys(fields)) {
		value := fields[name]
		if string(value) == "null" {
			continue
		}
		switch name {
		case "schema_id", "external_id", "state", "password", "hashed_password":
			var s string
			if json.Unmarshal(value, &s) != nil {
				wrongType(name, "a string")
				continue
			}
			empty[name] = s == ""
			*m.stringField(name) = s
		case "traits", "metadata_public", "metadata_admin":
			*m.documentField(name) = memberDocument(value)
		case "verified_addresses":
			if json.Unmarshal(value, &m.VerifiedAddresses) != nil {
				wrongType(name, "a list of strings")
			}
		case "oidc_providers":
			dec := json.NewDecoder(bytes.NewReader(value))
			dec.DisallowUnknownFields()
			if dec.Decode(&m.OIDCProviders) != nil {
				wrongType(name, "a list of objects with provider and subject")
			}
		default:
			problems = append(problems, [2]string{"Unknown member attribute",
				fmt.Sprintf("%q is not an attribute of a member; a member has %s.", name, strings.Join(importMemberAttributes, ", "))})
		}
	}
	if len(problems) > 0 {
		return nil, problems
	}
	// An empty list is no list: jsonencode gives [] for a condition's empty branch.
	if len(m.VerifiedAddresses) == 0 {
		m.VerifiedAddresses = nil
	}
	if len(m.OIDCProviders) == 0 {
		m.OIDCProviders = nil
	}
	slices.Sort(m.VerifiedAddresses)
	slices.SortFunc(m.OIDCProviders, func(a, b kratosclient.OIDCProvider) int { return strings.Compare(a.Identifier(), b.Identifier()) })
	return &m, m.problems(empty)
}

// stringField returns the field of the string attribute name.
func (m *importMember) stringField(name string) *string {
	switch name {
	case "schema_id":
		return &m.SchemaID
	case "external_id":
		return &m.ExternalID
	case "state":
		return &m.State
	case "password":
		return &m.Password
	default:
		return &m.HashedPassword
	}
}

// documentField returns the field of the JSON document attribute name.
func (m *importMember) documentField(name string) *json.RawMessage {
	switch name {
	case "traits":
		return &m.Traits
	case "metadata_public":
		return &m.MetadataPublic
	default:
		return &m.MetadataAdmin
	}
}

// memberDocument is a member's JSON document attribute in canonical form. A string that holds a
// JSON object or array, as traits = jsonencode({…}) inside the member gives, is that document.
func memberDocument(value json.RawMessage) json.RawMessage {
	var inner string
	if json.Unmarshal(value, &inner) == nil {
		if doc, err := decodeJSON(inner); err == nil {
			switch doc.(type) {
			case map[string]any, []any:
				return canonicalJSON(inner)
			}
		}
	}
	return canonicalJSON(string(value))
}

// problems lists what Kratos would refuse in the member, or what would break it, as summaries
// and details; empty says which string attributes were set to "".
func (m *importMember) problems(empty map[string]bool) [][2]string {
	var out [][2]string
	add := func(summary, detail string) { out = append(out, [2]string{summary, detail}) }
	if m.SchemaID == "" {
		add("Missing schema_id", "schema_id is missing or empty: set it to the ID of the identity schema the traits follow (the kratos_identity_schemas data source lists them).")
	}
	if !bytes.HasPrefix(m.Traits, []byte("{")) {
		add("Invalid traits", "traits must be a JSON object shaped by the identity schema, for example { email = \"…\" }.")
	}
	if empty["external_id"] {
		add("Empty external ID", "external_id is empty: remove it or give it a value.")
	}
	if empty["password"] {
		add("Empty password", "password is empty: remove it or give it a value.")
	}
	if m.State != "" && !slices.Contains(identityStates, m.State) {
		add("Invalid state", fmt.Sprintf("state is %q; it must be one of %s.", m.State, quotedList(identityStates)))
	}
	for _, name := range []string{"metadata_public", "metadata_admin"} {
		if doc := *m.documentField(name); doc != nil {
			if summary, detail := (metadataRule{}).problem(string(doc)); summary != "" {
				add(summary, name+": "+detail)
			}
		}
	}
	if m.HashedPassword != "" || empty["hashed_password"] {
		if summary, detail := (hashedPasswordRule{}).problem(m.HashedPassword); summary != "" {
			add(summary, detail)
		}
	}
	if m.Password != "" && m.HashedPassword != "" {
		add("Conflicting passwords", "it sets both password and hashed_password (their values are not shown because they are secret). Keep one of them.")
	}
	if slices.Contains(m.VerifiedAddresses, "") {
		add("Empty verified address", "verified_addresses holds an empty address: remove it.")
	}
	for _, p := range m.OIDCProviders {
		if p.Provider == "" || p.Subject == "" || strings.Contains(p.Provider, ":") {
			add("Invalid social sign-in", "each of oidc_providers needs a provider, without a colon, and a subject.")
			break
		}
	}
	return out
}

// addMemberProblems reports problems on identities: the first importNamedMembers with an error of
// their own, and one more error that counts the others.
func addMemberProblems(diags *diag.Diagnostics, problems []memberProblem) {
	for _, p := range problems[:min(len(problems), importNamedMembers)] {
		diags.AddAttributeError(path.Root("identities"), p.summary, p.detail)
	}
	if extra := len(problems) - importNamedMembers; extra > 0 {
		diags.AddAttributeError(path.Root("identities"), "More invalid members", fmt.Sprintf("…and %d more problems with members.", extra))
	}
}

// membersOf decodes the identities of a plan or state, adding an error when they or a member
// cannot be decoded. The values Kratos would refuse are left to the validator, which Terraform
// runs on the configuration before each plan and apply.
func membersOf(v types.String, diags *diag.Diagnostics) map[string]importMember {
	if v.IsNull() || v.IsUnknown() {
		return map[string]importMember{}
	}
	members, problems, err := decodeImportMembers(v.ValueString())
	if err != nil {
		diags.AddAttributeError(path.Root("identities"), "Invalid identities", err.Error())
		return nil
	}
	addMemberProblems(diags, slices.DeleteFunc(problems, func(p memberProblem) bool { return !p.undecodable }))
	return members
}

// encodeImportMembers renders members as the JSON document of identities.
func encodeImportMembers(members map[string]importMember, diags *diag.Diagnostics) types.String {
	b, err := json.Marshal(members)
	if err != nil {
		diags.AddAttributeError(path.Root("identities"), "Unable to Record Members", err.Error())
		return types.StringNull()
	}
	return types.StringValue(string(b))
}

// sameConfig reports whether two members are configured alike.
func sameConfig(a, b importMember) bool { return reflect.DeepEqual(a, b) }

// memberIDs maps the identity IDs of ids to the members' keys.
func memberIDs(ids types.Map) map[string]string {
	out := make(map[string]string, len(ids.Elements()))
	for key, v := range ids.Elements() {
		if id := stringValue(v); id != "" {
			out[id] = key
		}
	}
	return out
}

// importNamedMembers is how many members one check of kratos_identity_import gives an error of
// their own, on their attribute; one more error counts the others.
const importNamedMembers = 5

// addUnnamedCount adds one error that counts the members beyond the first importNamedMembers of
// a check, which have no error of their own.
func addUnnamedCount(diags *diag.Diagnostics, summary string, members int, what string) {
	if members <= importNamedMembers {
		return
	}
	extra, noun := members-importNamedMembers, "members"
	if extra == 1 {
		noun = "member"
	}
	diags.AddAttributeError(path.Root("identities"), summary, fmt.Sprintf("…and %d more %s %s.", extra, noun, what))
}

// importItems builds the items that create the members keys, in that order, for the resource self;
// native says Kratos has external IDs.
func importItems(members map[string]importMember, keys []string, self string, native bool, diags *diag.Diagnostics) []importItem {
	items := make([]importItem, 0, len(keys))
	for _, key := range keys {
		m := members[key]
		it, err := newImportItem(key, m.body(), m.VerifiedAddresses, self, native)
		if err != nil {
			diags.AddAttributeError(path.Root("identities"), "Unable to Import Identity", fmt.Sprintf("Member %q: %s", key, err))
			continue
		}
		items = append(items, it)
	}
	return items
}

// body is the create body of the member.
func (m importMember) body() kratosclient.CreateIdentityBody {
	body := kratosclient.CreateIdentityBody{
		SchemaID: m.SchemaID, Traits: m.Traits, State: m.State,
		MetadataPublic: m.MetadataPublic, MetadataAdmin: m.MetadataAdmin, ExternalID: m.ExternalID,
	}
	for _, addr := range m.VerifiedAddresses {
		body.VerifiableAddresses = append(body.VerifiableAddresses, verifiedAddressImport(addr))
	}
	creds := &kratosclient.CredentialsImport{}
	switch {
	case m.Password != "":
		creds.Password = &kratosclient.PasswordImport{Config: kratosclient.PasswordImportConfig{Password: m.Password}}
	case m.HashedPassword != "":
		creds.Password = &kratosclient.PasswordImport{Config: kratosclient.PasswordImportConfig{HashedPassword: m.HashedPassword}}
	}
	if len(m.OIDCProviders) > 0 {
		creds.OIDC = &kratosclient.OIDCImport{Config: kratosclient.OIDCImportConfig{Providers: m.OIDCProviders}}
	}
	if creds.Password != nil || creds.OIDC != nil {
		body.Credentials = creds
	}
	return body
}
