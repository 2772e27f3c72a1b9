package kratosclient

import (
	"context"
	"net/http"
	"strconv"
	"strings"
	"sync"
)

// ServerVersion is the Kratos release behind the admin URL, read from GET /version. Behaviour is
// decided from it only where releases truly differ; everything else works the same on all.
type ServerVersion struct {
	// Raw is what the server reported, for example "v26.2.0" or "master".
	Raw string
	// Major is the release's major number; a build that says "master" or anything unparsable
	// counts as the newest (newestMajor).
	Major int
}

// newestMajor stands for a build whose version cannot be read: it is treated as the newest release.
const newestMajor = 1 << 30

// firstModernMajor is the first release line (v25.4.0, November 2025) with external IDs, no
// batch rollback, and deletion of a password or social sign-in that is not the last first factor.
const firstModernMajor = 25

// ParseServerVersion reads a version such as "v26.2.0" or "1.3.1"; anything else counts as the newest.
func ParseServerVersion(raw string) ServerVersion {
	s := strings.TrimPrefix(strings.TrimSpace(raw), "v")
	major, _, _ := strings.Cut(s, ".")
	n, err := strconv.Atoi(major)
	if err != nil || n < 0 {
		n = newestMajor
	}
	return ServerVersion{Raw: raw, Major: n}
}

// String is the version as the server reported it.
func (v ServerVersion) String() string { return v.Raw }

// HasExternalID reports whether identities have external_id (v25.4.0 and later).
func (v ServerVersion) HasExternalID() bool { return v.Major >= firstModernMajor }

// DeletesFirstFactors reports whether a password, OIDC or SAML credential can be deleted through
// the admin API (v25.4.0 and later, unless it is the identity's last first factor).
func (v ServerVersion) DeletesFirstFactors() bool { return v.Major >= firstModernMajor }

// RollsBackBatches reports whether one conflicting item of a batch create rolls back the whole
// batch although the others are reported as created (v1.x); later releases commit the others.
func (v ServerVersion) RollsBackBatches() bool { return v.Major < firstModernMajor }

// ExternalIDReleases names the releases that support external IDs, for diagnostics.
const ExternalIDReleases = "Kratos v25.4.0 and later"

// versionCache holds the version once read; a failed read is tried again on the next call.
type versionCache struct {
	mu      sync.Mutex
	version *ServerVersion
}

// ServerVersion reads the server's version once (GET /admin/version: v1.3.1 redirects /version there)
// and remembers it.
func (c *Client) ServerVersion(ctx context.Context) (ServerVersion, error) {
	c.version.mu.Lock()
	defer c.version.mu.Unlock()
	if c.version.version != nil {
		return *c.version.version, nil
	}
	resp, err := c.do(ctx, request{method: http.MethodGet, path: "/admin/version", idempotent: true, want: []int{http.StatusOK}})
	if err != nil {
		return ServerVersion{}, err
	}
	var body struct {
		Version string `json:"version"`
	}
	if err := decode(resp, &body); err != nil {
		return ServerVersion{}, err
	}
	v := ParseServerVersion(body.Version)
	c.version.version = &v
	return v, nil
}
