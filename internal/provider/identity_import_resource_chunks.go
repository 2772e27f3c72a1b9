package provider

import (
	"time"

	"github.com/kratos-tf/terraform-provider-kratos/internal/kratosclient"
)

// importProbePasswords is how many cleartext passwords the first request that carries any may
// hold, before the provider knows how long Kratos takes to hash one.
const importProbePasswords = 10

// hashingPace sizes batch requests by how long Kratos takes to hash cleartext passwords. Kratos
// hashes the passwords of one request one after the other, at whatever cost its configuration
// (or, for imports, its defaults) says: about 0.25 s each for bcrypt at cost 12 on a small machine,
// so 200 of them outlast the client's 30 s timeout. The first request with cleartext passwords
// holds importProbePasswords of them; each answer then tells the time per password, and the
// next request holds as many as fit in half the timeout. A request that timed out took at least
// the timeout, so the next holds at most half as many.
type hashingPace struct {
	// budget is what one request may spend hashing: half the client's timeout.
	budget time.Duration
	// perPassword is the latest measure of the time per cleartext password; 0 before any.
	perPassword time.Duration
	// timedOutWith is how many cleartext passwords the latest request that timed out held; 0
	// once a request answered.
	timedOutWith int
}

// limits returns l with the number of cleartext passwords a request may hold now.
func (p *hashingPace) limits(l importLimits) importLimits {
	switch {
	case p.perPassword <= 0:
		l.passwords = min(l.passwords, importProbePasswords)
	case p.budget > 0:
		l.passwords = max(1, min(l.passwords, int(p.budget/p.perPassword)))
	}
	return l
}

// observe learns from a request that carried cleartext passwords and took elapsed.
func (p *hashingPace) observe(passwords int, elapsed time.Duration, timedOut bool) {
	if passwords == 0 {
		return
	}
	per := elapsed / time.Duration(passwords)
	if !timedOut {
		p.perPassword, p.timedOutWith = per, 0
		return
	}
	// Kratos would have needed more than elapsed: the next request holds at most half as many.
	p.perPassword, p.timedOutWith = max(p.perPassword, per, p.budget*2/time.Duration(passwords)), passwords
}

// shrinking reports whether the latest request timed out with more than one cleartext password,
// so that sending its members again in smaller requests can succeed.
func (p *hashingPace) shrinking() bool { return p.timedOutWith > 1 }

// importLimits bound one batch request.
type importLimits struct {
	// members is the number of identities.
	members int
	// passwords is the number of cleartext passwords, which Kratos hashes one after the other.
	passwords int
	// bytes is the size of the request body.
	bytes int
}

// importChunkLimits are the limits of one batch request: the client's (1000 identities, 200
// cleartext passwords, what Kratos v25.4.0 and later accept; v1.3.1 takes more) and 4 MiB, below
// the 5 MiB Kratos accepts in an admin request. Tests lower them.
var importChunkLimits = importLimits{members: kratosclient.BatchPatchIdentitiesLimit, passwords: kratosclient.BatchPatchPasswordLimit, bytes: 4 << 20}

// importChunks splits items, in order, into chunks within l.
func importChunks(items []importItem, l importLimits) [][]importItem {
	var out [][]importItem
	for len(items) > 0 {
		var chunk []importItem
		chunk, items = nextChunk(items, l)
		out = append(out, chunk)
	}
	return out
}

// nextChunk splits off the first chunk of items within l (at least one item), and returns the rest.
func nextChunk(items []importItem, l importLimits) (chunk, rest []importItem) {
	passwords, size := 0, 0
	for i, it := range items {
		pw := 0
		if it.cleartext() {
			pw = 1
		}
		if i > 0 && (i >= l.members || passwords+pw > l.passwords || size+it.size > l.bytes) {
			return items[:i], items[i:]
		}
		passwords += pw
		size += it.size + 1
	}
	return items, nil
}

// cleartextCount is how many of items carry a cleartext password.
func cleartextCount(items []importItem) int {
	n := 0
	for _, it := range items {
		if it.cleartext() {
			n++
		}
	}
	return n
}
