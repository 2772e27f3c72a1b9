package provider

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
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

// importItem is one member to create.
type importItem struct {
	key  string
	body kratosclient.CreateIdentityBody
	// externalID is the member's external_id, whether body sends it as the identity's external
	// ID (Kratos v25.4.0 and later) or in the marker of its admin metadata.
	externalID string
	// verified lists the addresses the member wants verified.
	verified []string
	// size is the length of the item in the request body.
	size int
}

// newImportItem returns the item that creates body for the member key in the resource self. The
// identity's admin metadata records self and, on a Kratos without external IDs (native false), the
// body's external ID; admin metadata that is not an object cannot hold them, which is an error
// only when it must hold the external ID (checked at plan time too).
func newImportItem(key string, body kratosclient.CreateIdentityBody, verified []string, self string, native bool) (importItem, error) {
	externalID := body.ExternalID
	marker := importMarker{Resource: self}
	if externalID != "" && !native {
		marker.ExternalID, body.ExternalID = externalID, ""
	}
	switch metadata, err := withMarker(body.MetadataAdmin, marker); {
	case err == nil:
		body.MetadataAdmin = metadata
	case marker.ExternalID != "":
		return importItem{}, err
	}
	b, err := json.Marshal(kratosclient.IdentityPatch{Create: &body})
	if err != nil {
		return importItem{}, fmt.Errorf("encoding member %q: %w", key, err)
	}
	return importItem{key: key, body: body, externalID: externalID, verified: verified, size: len(b)}, nil
}

// cleartext reports whether the item carries a cleartext password, which Kratos hashes.
func (it importItem) cleartext() bool {
	c := it.body.Credentials
	return c != nil && c.Password != nil && c.Password.Config.Password != ""
}

// importResult is what an import did, member by member.
type importResult struct {
	// created maps members now in Kratos to their identity IDs: created by this import, or found
	// identical to the member (same schema and traits), which an earlier apply created.
	created map[string]string
	// adopted are members whose identifier another identity already held; that identity is
	// recorded and left unchanged (on_conflict = "adopt").
	adopted map[string]adoption
	// failed are the members Kratos did not create, with its reason.
	failed []importFailure
	// unverified are members created without some of their verified_addresses.
	unverified []importFailure
	// unsent are the members not sent, or whose fate is unknown, because of err.
	unsent []string
	err    error
	// unclaimed are members recorded under an identity this resource could not claim.
	unclaimed []importFailure
}

// adoption is an existing identity recorded for a member.
type adoption struct {
	id, identifier string
}

// importFailure is a member and what went wrong with it.
type importFailure struct {
	key, reason string
}

// recorded reports whether the member key is in Kratos, created or adopted.
func (r *importResult) recorded(key string) bool {
	_, created := r.created[key]
	_, adopted := r.adopted[key]
	return created || adopted
}

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
	for id, err := range claim(ctx, client, im.self, im.recognised) {
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
