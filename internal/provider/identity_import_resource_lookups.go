package provider

import (
	"context"
	"slices"
	"sync"

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

// holdersOf looks up who holds one item's external ID (one request) and, when none does, its
// login identifiers.
func (im *importer) holdersOf(ctx context.Context, it importItem) holders {
	if ext := it.externalID; ext != "" && im.native {
		found, err := im.client.GetIdentityByExternalID(ctx, ext)
		switch {
		case err == nil:
			return holders{external: found}
		case !kratosclient.IsNotFound(err):
			return holders{err: err}
		}
	}
	ids, fromSchema := traitIdentifiers(ctx, im.schemas, it.body.SchemaID, it.body.Traits)
	if !fromSchema {
		ids = traitStrings(it.body.Traits)
	}
	if c := it.body.Credentials; c != nil && c.OIDC != nil {
		for _, p := range c.OIDC.Config.Providers {
			ids = appendCandidate(ids, p.Identifier())
		}
	}
	h := holders{identifiers: ids, fromSchema: fromSchema}
	for _, ident := range ids {
		matches, err := findByIdentifier(ctx, im.client, ident)
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
	errs := make([]error, len(ids))
	forEachParallel(len(ids), func(i int) {
		if err := client.DeleteIdentity(ctx, ids[i]); err != nil && !kratosclient.IsNotFound(err) {
			errs[i] = err
		}
	})
	failed := map[string]error{}
	for i, err := range errs {
		if err != nil {
			failed[ids[i]] = err
		}
	}
	return failed
}
