package kratosclient

import (
	"context"
	"fmt"
	"iter"
	"net/url"
	"strconv"
	"strings"
)

// pageFetcher fetches the page that token names ("" for the first) and returns its items and
// the token of the next page ("" when there is none).
type pageFetcher[T any] func(ctx context.Context, token string) (items []T, next string, err error)

// maxBarrenPages is how many pages in a row may add no new item before a walk stops with an
// error: a server (or proxy) that keeps naming new tokens for empty or repeated pages would
// otherwise make it page forever.
const maxBarrenPages = 3

// paginate walks every page that fetch returns, yielding items one by one. It stops with an
// error when a page names a token it has already seen, or when maxBarrenPages pages in a row
// add no item (when key is not nil, an item whose key was seen before adds nothing and is not
// yielded again), so a server that does not advance can never make it loop.
func paginate[T any](ctx context.Context, fetch pageFetcher[T], key func(*T) string) iter.Seq2[T, error] {
	return func(yield func(T, error) bool) {
		var zero T
		seen := map[string]bool{}
		keys := map[string]bool{}
		token := ""
		barren := 0
		for {
			items, next, err := fetch(ctx, token)
			if err != nil {
				yield(zero, err)
				return
			}
			added := 0
			for i := range items {
				if key != nil {
					k := key(&items[i])
					if keys[k] {
						continue
					}
					keys[k] = true
				}
				added++
				if !yield(items[i], nil) {
					return
				}
			}
			if next == "" {
				return
			}
			if next == token || seen[next] {
				yield(zero, fmt.Errorf("kratos returned the page token %q again; stopping to avoid an endless loop", next))
				return
			}
			if barren = barren + 1; added > 0 {
				barren = 0
			}
			if barren >= maxBarrenPages {
				yield(zero, fmt.Errorf("kratos answered %d pages in a row that added nothing, each naming a next page; stopping to avoid an endless walk (a proxy in between may be misbehaving)", barren))
				return
			}
			seen[token] = true
			token = next
		}
	}
}

// Collect gathers every item of seq, or returns the first error.
func Collect[T any](seq iter.Seq2[T, error]) ([]T, error) {
	return CollectMapped(seq, 0, func(t *T) (T, bool) { return *t, true })
}

// CollectMapped maps the items of seq with convert, keeping those it accepts, and stops paging
// once limit items are kept (0 for no limit), or returns the first error. Each item is mapped as
// it arrives, so a page is released once consumed.
func CollectMapped[T, M any](seq iter.Seq2[T, error], limit int, convert func(*T) (M, bool)) ([]M, error) {
	out := make([]M, 0)
	for item, err := range seq {
		if err != nil {
			return nil, err
		}
		if m, keep := convert(&item); keep {
			out = append(out, m)
		}
		if limit > 0 && len(out) >= limit {
			break
		}
	}
	return out, nil
}

// NextLink returns the URL of the rel="next" entry of a Link header, as Kratos paginates, or nil.
func NextLink(header string) *url.URL {
	for part := range strings.SplitSeq(header, ",") {
		target, params, ok := strings.Cut(part, ";")
		if !ok || !strings.Contains(params, `rel="next"`) {
			continue
		}
		target = strings.Trim(strings.TrimSpace(target), "<>")
		if u, err := url.Parse(target); err == nil {
			return u
		}
	}
	return nil
}

// nextPageToken returns the page_token of the Link header's next entry, or "".
func nextPageToken(header string) string {
	if u := NextLink(header); u != nil {
		return u.Query().Get("page_token")
	}
	return ""
}

// maxPerPage is the largest per_page Kratos serves on offset-paginated endpoints; it silently
// clamps larger values, which would end a walk that stops on a short page too early.
const maxPerPage = 1000

// pageNumber parses a numeric page token, where "" means first.
func pageNumber(token string, first int) (int, error) {
	if token == "" {
		return first, nil
	}
	return strconv.Atoi(token)
}
