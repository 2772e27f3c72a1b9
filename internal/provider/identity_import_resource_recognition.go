package provider

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/hashicorp/terraform-plugin-log/tflog"

	"github.com/kratos-tf/terraform-provider-kratos/internal/kratosclient"
)

// resolveLost looks up the members whose request's answer was lost: one Kratos has is settled
// as a conflict would be, the others are sent once more. It returns false when Kratos stopped
// answering.
func (im *importer) resolveLost(ctx context.Context) bool {
	for pass := 1; len(im.lost) > 0; pass++ {
		lost, cause := im.lost, im.lostCause
		im.lost = nil
		// A request that timed out is sent again in smaller ones, each pass at most half as many
		// cleartext passwords; other lost answers get one more try.
		if pass > 2 && (pass > importMaxTimeoutPasses || !kratosclient.IsTimeout(cause) || !im.hashing.shrinking()) {
			for _, it := range lost {
				im.fail(it, "the answers to two requests that sent it were lost ("+describeClientError(cause)+"), so the provider cannot tell whether Kratos created it; the next plan shows what Kratos holds")
			}
			return true
		}
		tflog.Info(ctx, "Batch answer lost; looking up its members before sending them again", map[string]any{"members": len(lost)})
		var resend []importItem
		for i, h := range im.lookupHolders(ctx, lost) {
			it := lost[i]
			switch {
			case h.err != nil:
				im.res.err = h.err
				im.lost = slices.Concat(resend, lost[i:])
				return false
			case h.external == nil && len(h.identifiers) == 0 && (it.externalID == "" || !im.native):
				im.fail(it, "the answer to the request that sent it was lost ("+describeClientError(cause)+"), and it has neither an external_id nor "+
					"a login identifier to look it up by, so the provider cannot tell whether Kratos created it: look for it in Kratos before applying again")
			case h.external == nil && len(h.found) == 0:
				// No identity having the member's external ID or identifiers proves Kratos did not create it.
				resend = append(resend, it)
			default:
				im.decide(it, h)
			}
		}
		if !im.sendAll(ctx, resend) {
			return false
		}
	}
	return true
}

// resolveConflicts decides, in key order, what each member Kratos refused with 409 becomes.
func (im *importer) resolveConflicts(ctx context.Context) {
	conflicts := im.conflicts
	im.conflicts = nil
	slices.SortFunc(conflicts, func(a, b importItem) int { return strings.Compare(a.key, b.key) })
	for i, h := range im.lookupHolders(ctx, conflicts) {
		if h.err != nil {
			im.fail(conflicts[i], "Kratos answered 409 Conflict, and looking up which identity holds its identifiers failed: "+describeClientError(h.err))
			continue
		}
		if h.external == nil && len(h.found) == 0 {
			im.fail(conflicts[i], fmt.Sprintf("Kratos answered 409 Conflict, but no identity has its external_id or any of its login identifiers (%s): "+
				"another identity probably has one of its verification or recovery addresses, which are unique too", quotedList(h.identifiers)))
			continue
		}
		im.decide(conflicts[i], h)
	}
}

// decide settles a member that an identity in Kratos holds the external ID or an identifier of: the
// identity is the member itself when it has the member's external ID, or its schema and traits;
// otherwise it is adopted or refused.
func (im *importer) decide(it importItem, h holders) {
	if e := h.external; e != nil {
		if owner, ok := im.owners[e.ID]; ok {
			im.fail(it, fmt.Sprintf("its external_id %q is also that of member %q (identity %s); two members cannot share an external ID", it.externalID, owner, e.ID))
			return
		}
		im.record(it.key, e.ID)
		im.recognised = append(im.recognised, *e)
		return
	}
	if len(h.found) > 1 {
		var names []string
		for _, f := range h.found {
			names = append(names, fmt.Sprintf("%s has %q", f.identity.ID, f.identifier))
		}
		im.fail(it, "its identifiers belong to several identities ("+strings.Join(names, ", ")+"), so it matches none of them")
		return
	}
	f := h.found[0]
	if owner, ok := im.owners[f.identity.ID]; ok {
		im.fail(it, fmt.Sprintf("its identifier %q is also that of member %q (identity %s); two members cannot share an identifier", f.identifier, owner, f.identity.ID))
		return
	}
	marked := markerOf(f.identity.MetadataAdmin).ExternalID
	switch {
	case it.externalID != "" && marked == it.externalID, marked == "" && sameMember(&f.identity, it.body):
		im.record(it.key, f.identity.ID)
		im.recognised = append(im.recognised, f.identity)
		return
	case marked != "":
		im.fail(it, fmt.Sprintf("identity %s has its identifier %q, and is the member with external_id %q of an import", f.identity.ID, f.identifier, marked))
		return
	}
	switch {
	case !h.fromSchema:
		im.fail(it, fmt.Sprintf("identity %s has %q, and without identity schema %q the provider cannot tell whether that value is one of the member's login identifiers",
			f.identity.ID, f.identifier, it.body.SchemaID))
	case !im.adopt:
		im.fail(it, fmt.Sprintf("identity %s already has its identifier %q, and on_conflict is %q", f.identity.ID, f.identifier, onConflictFail))
	default:
		im.res.adopted[it.key] = adoption{id: f.identity.ID, identifier: f.identifier}
		im.owners[f.identity.ID] = it.key
	}
}

// sameMember reports whether identity is what body would create: the same schema and traits.
func sameMember(identity *kratosclient.Identity, body kratosclient.CreateIdentityBody) bool {
	eq, err := jsonSemanticEqual(string(identity.Traits), string(body.Traits))
	return err == nil && eq && identity.SchemaID == body.SchemaID
}

// recogniseMarked records, on a Kratos without external IDs, the members whose external ID a
// marker in Kratos already holds (a member moved from another resource, or renamed, possibly with
// new identifiers), with one walk over every identity; it returns the items left to send, and
// false when Kratos stopped answering. With native external IDs, Kratos refuses such a member as a
// conflict, and the conflict is resolved by its external ID.
func (im *importer) recogniseMarked(ctx context.Context, items []importItem) ([]importItem, bool) {
	wanted := map[string]bool{}
	for _, it := range items {
		if it.externalID != "" {
			wanted[it.externalID] = true
		}
	}
	if im.native || len(wanted) == 0 {
		return items, true
	}
	marked, err := scanMarkedExternalIDs(ctx, im.client, wanted)
	if err != nil {
		im.res.err = err
		for _, it := range items {
			im.res.unsent = append(im.res.unsent, it.key)
		}
		return nil, false
	}
	var rest []importItem
	for _, it := range items {
		if identity, ok := marked[it.externalID]; ok {
			im.decide(it, holders{external: &identity})
		} else {
			rest = append(rest, it)
		}
	}
	return rest, true
}
