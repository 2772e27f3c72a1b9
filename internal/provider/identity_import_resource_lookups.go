package provider

import (
	"context"
	"sync"

	"github.com/kratos-tf/terraform-provider-kratos/internal/kratosclient"
)

// importWorkers is how many lookups or deletions run at once.
const importWorkers = 4

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
