package provider

import (
	"context"
	"fmt"
	"slices"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/kratos-tf/terraform-provider-kratos/internal/identityschema"
	"github.com/kratos-tf/terraform-provider-kratos/internal/kratosclient"
)

// importMemberCheck collects the errors of one plan-time check of kratos_identity_import: the
// first importNamedMembers members get an error of their own, on their attribute, and one more
// error counts the others.
type importMemberCheck struct {
	summary, rest string
	members       int
	diags         *diag.Diagnostics
}

// add reports the problem of one member.
func (c *importMemberCheck) add(detail string) {
	if c.members < importNamedMembers {
		c.diags.AddAttributeError(path.Root("identities"), c.summary, detail)
	}
	c.members++
}

// done adds the error that counts the members without one of their own.
func (c *importMemberCheck) done() { addUnnamedCount(c.diags, c.summary, c.members, c.rest) }

// checkNewMembers checks, before anything is sent, the members an apply will create (newKeys, in
// key order): Kratos has their identity schema, their traits satisfy it, and none of their login
// identifiers or addresses is blank or also another member's. Each identity schema is fetched
// once per provider process; without a configured client nothing is checked, and Kratos checks
// during apply.
func checkNewMembers(ctx context.Context, data *providerData, members map[string]importMember, newKeys []string, diags *diag.Diagnostics) {
	if len(newKeys) == 0 || data == nil || data.client == nil {
		return
	}
	compiled := map[string]*jsonschema.Schema{}
	unknownSchemas := 0
	invalid := &importMemberCheck{summary: "Traits do not match the identity schema", rest: "have traits the identity schema refuses", diags: diags}
	blank := &importMemberCheck{summary: "Blank login identifier", rest: "have a blank login identifier", diags: diags}
	var unloadable []string
	for _, key := range newKeys {
		schemaID, traits := members[key].SchemaID, string(members[key].Traits)
		s, seen := compiled[schemaID]
		if !seen {
			var err error
			s, err = data.schemas.Get(ctx, schemaID)
			switch {
			case kratosclient.IsNotFound(err):
				// One error per schema, on the first member that names it.
				if unknownSchemas < importNamedMembers {
					addUnknownSchemaError(ctx, data.client, diags, path.Root("identities"), fmt.Sprintf("Member %q: ", key), "Unknown identity schema", schemaID)
				}
				unknownSchemas++
			case err != nil:
				unloadable = append(unloadable, fmt.Sprintf("%q (%s)", schemaID, describeClientError(err)))
			}
			compiled[schemaID] = s
		}
		if s == nil {
			continue
		}
		for _, problem := range identityschema.Violations(s, traits) {
			invalid.add(fmt.Sprintf("Member %q, identity schema %q: %s", key, schemaID, problem))
		}
		for _, id := range identityschema.LoginIdentifiers(s, traits) {
			if id.Value == "" {
				blank.add(fmt.Sprintf("Member %q: the identity schema makes the value at %s a login identifier, and it is empty or only whitespace. %s",
					key, id.Pointer, blankIdentifierAdvice))
			}
		}
	}
	invalid.done()
	blank.done()
	if len(unloadable) > 0 {
		diags.AddAttributeWarning(path.Root("identities"), "Members not validated at plan time",
			"The identity schemas "+shortList(unloadable, ", ", importListBytes)+" could not be loaded, so Kratos will validate those members during apply.")
	}
	checkSharedIdentifiers(members, newKeys, compiled, diags)
}

// checkSharedIdentifiers refuses a new member whose login identifier or address another member
// also has: Kratos keeps them unique, so at most one of the two could be imported. Members already
// imported are compared too, with the identity schemas compiled holds.
func checkSharedIdentifiers(members map[string]importMember, newKeys []string, compiled map[string]*jsonschema.Schema, diags *diag.Diagnostics) {
	isNew := make(map[string]bool, len(newKeys))
	for _, key := range newKeys {
		isNew[key] = true
	}
	// Members already imported come first, so that a new member is the one named.
	keys := make([]string, 0, len(members))
	for key := range members {
		if !isNew[key] {
			keys = append(keys, key)
		}
	}
	slices.Sort(keys)
	keys = append(keys, newKeys...)
	shared := &importMemberCheck{summary: "Duplicate identifier", rest: "have a login identifier or address of another member", diags: diags}
	holder := map[string]string{}
	for _, key := range keys {
		traits := string(members[key].Traits)
		s := compiled[members[key].SchemaID]
		if s == nil {
			continue
		}
		for _, m := range identityschema.MarkedValues(s, traits) {
			if m.Value == "" || (!m.Mark.LoginIdentifier && !m.Mark.Verifiable) {
				continue
			}
			first, taken := holder[m.Value]
			switch {
			case !taken:
				holder[m.Value] = key
			case first != key && isNew[key]:
				shared.add(fmt.Sprintf("Member %q has %q at %s, as member %q has: Kratos keeps login identifiers and addresses unique, "+
					"so at most one of them could be imported. Give each member its own, or remove one of them.", key, m.Value, m.Pointer, first))
			}
		}
	}
	shared.done()
}
