package provider

import "time"

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
