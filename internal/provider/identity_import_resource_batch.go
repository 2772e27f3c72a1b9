package provider

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/hashicorp/terraform-plugin-log/tflog"

	"github.com/kratos-tf/terraform-provider-kratos/internal/identityschema"
	"github.com/kratos-tf/terraform-provider-kratos/internal/kratosclient"
)

// The batch import behind kratos_identity_import. Members are sent in chunks through PATCH
// /admin/identities. Kratos v1.x rolls a whole batch back when one item conflicts, yet reports the
// others as created (KRATOS_API_NOTES.md, "Batch create rollback"); v25.4.0 and later commit the others. So when an
// item of a batch conflicted, the creates Kratos reported are verified with list requests, and
// what was rolled back is sent again: the same code is right on both. A whole-batch refusal caused
// by one item (its hash, state, password or identifier) is isolated by halving the batch. Each
// conflict is resolved afterwards by looking up the member's identity: by its external ID when it
// has one (an identity with it is the member), else by who holds its login identifiers: one
// identical to the member is the member, imported earlier; another is adopted or refused, as
// on_conflict says. A request whose answer was lost is never repeated blindly: its members are
// looked up first and only those Kratos does not have are sent again.
//
// importMaxRounds bounds how often the rolled-back members of a chunk are sent again. Each round
// sends fewer members than the one before, as it leaves out those that conflicted.
const importMaxRounds = 5

// importMaxTimeoutPasses bounds how often members whose request timed out are sent again, each
// time in requests of at most half as many cleartext passwords: 200 halve to 1 in 8 passes.
const importMaxTimeoutPasses = 10

// importer runs one import.
type importer struct {
	// self is the resource's id, which it claims the identities it recognises with.
	self string
	// native says Kratos has external IDs (v25.4.0 and later); otherwise they are in markers.
	native  bool
	client  *kratosclient.Client
	schemas *identityschema.Cache
	limits  importLimits
	hashing hashingPace
	adopt   bool
	// owners maps the identity IDs recorded for members, before and during this import, to the
	// members' keys.
	owners map[string]string
	// conflicts are members Kratos refused with 409, resolved once every chunk is sent.
	conflicts []importItem
	// lost are members of requests whose answer was lost; lostCause is why.
	lost      []importItem
	lostCause error
	// recognised are the identities recorded for members without being created for them, to
	// claim; adopted identities are left unchanged, and never deleted by this resource anyway.
	recognised []kratosclient.Identity
	res        importResult
}

// importTarget is the resource an import records its members in.
type importTarget struct {
	// self is the resource's id.
	self string
	// native says Kratos has external IDs.
	native bool
	// owners maps the identity IDs already recorded for other members to their keys.
	owners map[string]string
	// adopt says what to do with an identity that already holds a member's identifier.
	adopt bool
}

// runImport creates items in Kratos for the resource t; schemas (which may be nil) say which
// traits are login identifiers. Identities recorded without being created (found by external ID,
// or identical) are claimed for t.
func runImport(ctx context.Context, client *kratosclient.Client, schemas *identityschema.Cache, items []importItem, t importTarget) importResult {
	im := &importer{
		self: t.self, native: t.native, client: client, schemas: schemas, limits: importChunkLimits, hashing: hashingPace{budget: client.Timeout() / 2},
		adopt: t.adopt, owners: t.owners, res: importResult{created: map[string]string{}, adopted: map[string]adoption{}},
	}
	items, ok := im.recogniseMarked(ctx, items)
	if ok && im.sendAll(ctx, items) && im.resolveLost(ctx) {
		im.resolveConflicts(ctx)
	}
	for id, err := range claimIdentities(ctx, client, im.self, im.recognised) {
		im.res.unclaimed = append(im.res.unclaimed, importFailure{im.owners[id], describeClientError(err)})
	}
	if im.res.err != nil {
		// Kratos stopped answering: what was not settled is left for the next apply.
		for _, it := range slices.Concat(im.conflicts, im.lost) {
			im.res.unsent = append(im.res.unsent, it.key)
		}
	}
	slices.Sort(im.res.unsent)
	return im.res
}

// sendAll sends items chunk by chunk, each sized by what Kratos has taken so far to hash a
// cleartext password; it returns false when Kratos stopped answering.
func (im *importer) sendAll(ctx context.Context, items []importItem) bool {
	for rest := items; len(rest) > 0; {
		var chunk []importItem
		chunk, rest = nextChunk(rest, im.hashing.limits(im.limits))
		tflog.Debug(ctx, "Importing identities", map[string]any{"members": len(chunk), "cleartext_passwords": cleartextCount(chunk), "left": len(rest)})
		if unsettled, err := im.importChunk(ctx, chunk); err != nil {
			im.res.err = err
			for _, it := range slices.Concat(unsettled, rest) {
				im.res.unsent = append(im.res.unsent, it.key)
			}
			return false
		}
	}
	return true
}

// importChunk sends a chunk, and sends again what Kratos rolled back. On an error that is not
// about one member it returns the members left unsettled.
func (im *importer) importChunk(ctx context.Context, chunk []importItem) ([]importItem, error) {
	pending := chunk
	for round := 1; len(pending) > 0; round++ {
		if round > importMaxRounds {
			for _, it := range pending {
				im.fail(it, fmt.Sprintf("Kratos reported it created and then rolled its batch back %d times, as Kratos v1.3.1 does when another member of the batch conflicts", importMaxRounds))
			}
			return nil, nil
		}
		retry, err := im.send(ctx, pending)
		if err != nil {
			return retry, err
		}
		if len(retry) > 0 {
			tflog.Debug(ctx, "Kratos rolled the batch back although it reported these members created; sending them again", map[string]any{"members": len(retry)})
		}
		pending = retry
	}
	return nil, nil
}

// send sends items in one request and returns those to send again: reported created, but not
// stored. A whole-batch refusal caused by one item halves the batch until that item is alone.
func (im *importer) send(ctx context.Context, items []importItem) ([]importItem, error) {
	patches := make([]kratosclient.IdentityPatch, len(items))
	for i := range items {
		patches[i] = kratosclient.IdentityPatch{Create: &items[i].body}
	}
	started := time.Now()
	res, err := im.client.BatchPatchIdentities(ctx, patches)
	im.hashing.observe(cleartextCount(items), time.Since(started), kratosclient.IsTimeout(err))
	switch {
	case err == nil:
		return im.settle(ctx, items, res)
	case len(items) == 1 && kratosclient.IsConflict(err):
		// A batch of one conflicting item is refused whole with 409.
		im.conflicts = append(im.conflicts, items[0])
		return nil, nil
	case len(items) == 1 && kratosclient.IsBatchItemRejected(err):
		im.fail(items[0], apiErrorReason(err))
		return nil, nil
	case kratosclient.IsBatchItemRejected(err) || kratosclient.IsConflict(err):
		// A backend without partial inserts (MySQL) refuses a batch with a conflict whole too.
		half := len(items) / 2
		retry, err := im.send(ctx, items[:half])
		if err != nil {
			return slices.Concat(retry, items[half:]), err
		}
		more, err := im.send(ctx, items[half:])
		return slices.Concat(retry, more), err
	case kratosclient.MayHaveBeenApplied(err):
		im.lost, im.lostCause = append(im.lost, items...), err
		return nil, nil
	default:
		return items, err
	}
}

// settle records what Kratos answered for items: verified creates, conflicts and failures.
func (im *importer) settle(ctx context.Context, items []importItem, res *kratosclient.BatchPatchResult) ([]importItem, error) {
	if len(res.Identities) != len(items) {
		return items, fmt.Errorf("kratos answered a batch of %d identities with %d results", len(items), len(res.Identities))
	}
	reported := map[string]importItem{}
	var ids []string
	conflicted := false
	for i, r := range res.Identities {
		it := items[i]
		switch {
		case r == nil:
			im.fail(it, "Kratos returned no result for it")
		case r.Error != nil && r.Error.Code == http.StatusConflict:
			im.conflicts = append(im.conflicts, it)
			conflicted = true
		case r.Error != nil:
			im.fail(it, batchItemReason(r.Error))
		case r.Action == "create" && r.Identity != "":
			reported[r.Identity] = it
			ids = append(ids, r.Identity)
		default:
			im.fail(it, fmt.Sprintf("Kratos answered with action %q and no identity", r.Action))
		}
	}
	// Kratos v1.x rolls a batch back exactly when an item conflicted; otherwise (and always on
	// v25.4.0 and later) its reported creates stand. Only then, or to see which wanted addresses
	// are verified, are the reported creates listed.
	var check []string
	checked := map[string]bool{}
	for _, id := range ids {
		if conflicted || len(reported[id].verified) > 0 {
			check, checked[id] = append(check, id), true
		}
	}
	stored := map[string]bool{}
	err := listExisting(ctx, im.client, check, func(id *kratosclient.Identity) {
		stored[id.ID] = true
		it := reported[id.ID]
		if missing := unverified(it.verified, id.VerifiableAddresses); len(missing) > 0 {
			im.res.unverified = append(im.res.unverified, importFailure{it.key, quotedList(missing)})
		}
	})
	if err != nil {
		for _, id := range ids {
			if conflicted {
				im.lost = append(im.lost, reported[id])
			} else {
				im.record(reported[id].key, id)
			}
		}
		im.lostCause = err
		return nil, err
	}
	var retry []importItem
	for _, id := range ids {
		if stored[id] || !checked[id] {
			im.record(reported[id].key, id)
		} else {
			retry = append(retry, reported[id])
		}
	}
	return retry, nil
}

// record notes that the member key is the identity id.
func (im *importer) record(key, id string) {
	im.res.created[key] = id
	im.owners[id] = key
}

// fail notes that Kratos did not create the member.
func (im *importer) fail(it importItem, reason string) {
	im.res.failed = append(im.res.failed, importFailure{it.key, reason})
}

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

// lookupHolders looks up, importWorkers at a time, who holds each item's external ID or login
// identifiers: those the identity schema marks, and its OIDC providers.
func (im *importer) lookupHolders(ctx context.Context, items []importItem) []holders {
	out := make([]holders, len(items))
	forEachParallel(len(items), func(i int) { out[i] = im.holdersOf(ctx, items[i]) })
	return out
}

// holdersOf looks up who holds one item's external ID and, when none does, its login identifiers.
func (im *importer) holdersOf(ctx context.Context, it importItem) holders {
	return createHolders(ctx, im.client, im.schemas, it.body, it.externalID, im.native)
}
