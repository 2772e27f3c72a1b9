package provider

import (
	"context"
	"encoding/json"
	"slices"
	"sync"

	"github.com/kratos-tf/terraform-provider-kratos/internal/identityschema"
	"github.com/kratos-tf/terraform-provider-kratos/internal/kratosclient"
)

// importWorkers is how many lookups or deletions run at once.
const importWorkers = 4

// holders are the identities in Kratos that hold a member's external ID or login identifiers.
type holders struct {
	// external is the identity with the member's external ID; when set, the identifiers were not
	// looked up.
	external *kratosclient.Identity
	// identifiers are the values looked up; fromSchema says they come from the identity schema
	// (otherwise they are every string of the traits).
	identifiers []string
	fromSchema  bool
	found       []heldIdentifier
	err         error
}

// heldIdentifier is an identity and the member's identifier it holds.
type heldIdentifier struct {
	identity   kratosclient.Identity
	identifier string
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

// createHolders looks up who holds what a create of body gives an identity: its external ID (one
// request, when Kratos has external IDs) and, when none does, its login identifiers: those the
// identity schema marks (every string of the traits when the schema cannot be loaded) and its
// OIDC providers. It is the one lookup both kratos_identity and kratos_identity_import make to find
// out what became of a create whose answer was lost, and the import's to resolve a conflict.
func createHolders(ctx context.Context, client *kratosclient.Client, schemas *identityschema.Cache, body kratosclient.CreateIdentityBody, externalID string, native bool) holders {
	if externalID != "" && native {
		found, err := client.GetIdentityByExternalID(ctx, externalID)
		switch {
		case err == nil:
			return holders{external: found}
		case !kratosclient.IsNotFound(err):
			return holders{err: err}
		}
	}
	ids, fromSchema := traitIdentifiers(ctx, schemas, body.SchemaID, body.Traits)
	if !fromSchema {
		ids = traitStrings(body.Traits)
	}
	if c := body.Credentials; c != nil && c.OIDC != nil {
		for _, p := range c.OIDC.Config.Providers {
			ids = appendCandidate(ids, p.Identifier())
		}
	}
	h := holders{identifiers: ids, fromSchema: fromSchema}
	for _, ident := range ids {
		matches, err := findByIdentifier(ctx, client, ident)
		if err != nil {
			h.err = err
			return h
		}
		for _, m := range matches {
			if !slices.ContainsFunc(h.found, func(f heldIdentifier) bool { return f.identity.ID == m.ID }) {
				h.found = append(h.found, heldIdentifier{identity: m, identifier: ident})
			}
		}
	}
	return h
}

// withTraits returns the identities among the holders whose traits are traits: the identity a
// lost create made, or none. An identity found by external ID counts only with those traits.
func (h holders) withTraits(traits json.RawMessage) []kratosclient.Identity {
	same := func(id *kratosclient.Identity) bool {
		eq, _ := jsonSemanticEqual(string(id.Traits), string(traits)) // traits that cannot be compared are not the same
		return eq
	}
	var out []kratosclient.Identity
	if h.external != nil && same(h.external) {
		out = append(out, *h.external)
	}
	for _, f := range h.found {
		if same(&f.identity) {
			out = append(out, f.identity)
		}
	}
	return out
}

// forEachParallel calls fn(0) … fn(n-1), importWorkers at a time.
func forEachParallel(n int, fn func(i int)) {
	next := make(chan int)
	var wg sync.WaitGroup
	for range min(importWorkers, n) {
		wg.Go(func() {
			for i := range next {
				fn(i)
			}
		})
	}
	for i := range n {
		next <- i
	}
	close(next)
	wg.Wait()
}

// listExisting calls visit for each identity among ids that exists, with list requests of at most
// kratosclient.MaxListIDs IDs (the client splits them). No IDs make no request: an empty filter
// lists every identity.
func listExisting(ctx context.Context, client *kratosclient.Client, ids []string, visit func(*kratosclient.Identity)) error {
	if len(ids) == 0 {
		return nil
	}
	for id, err := range client.ListIdentities(ctx, kratosclient.ListIdentitiesParams{IDs: ids, PageSize: min(len(ids), kratosclient.MaxListIDs)}) {
		if err != nil {
			return err
		}
		visit(&id)
	}
	return nil
}

// deleteIdentities deletes identities, importWorkers at a time; one already gone counts as
// deleted. It returns the error of each identity it could not delete.
func deleteIdentities(ctx context.Context, client *kratosclient.Client, ids []string) map[string]error {
	return failuresByID(ids, func(id string) error {
		if err := client.DeleteIdentity(ctx, id); err != nil && !kratosclient.IsNotFound(err) {
			return err
		}
		return nil
	})
}

// failuresByID calls fn for each of ids, importWorkers at a time, and returns the error of each
// ID whose call failed.
func failuresByID(ids []string, fn func(id string) error) map[string]error {
	errs := make([]error, len(ids))
	forEachParallel(len(ids), func(i int) { errs[i] = fn(ids[i]) })
	failed := map[string]error{}
	for i, err := range errs {
		if err != nil {
			failed[ids[i]] = err
		}
	}
	return failed
}
