package kratosclient_test

import (
	"testing"

	"github.com/kratos-tf/terraform-provider-kratos/internal/kratosclient"
	"github.com/kratos-tf/terraform-provider-kratos/internal/kratostest"
)

// serverVersion is the version the test Kratos reports, read through a client.
func serverVersion(t *testing.T) kratosclient.ServerVersion {
	t.Helper()
	c, _ := newClient(t)
	v, err := c.ServerVersion(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// legacyKratos reports whether the test Kratos is a v1.x release.
func legacyKratos(t *testing.T) bool { return serverVersion(t).Major < 25 }

func TestServerVersion(t *testing.T) {
	c, counter := newClient(t)
	for range 3 {
		v, err := c.ServerVersion(t.Context())
		if err != nil {
			t.Fatal(err)
		}
		if v.String() != kratostest.Version() {
			t.Errorf("ServerVersion = %q, want the harness's %q", v, kratostest.Version())
		}
	}
	if n := counter.n.Load(); n != 1 {
		t.Errorf("three ServerVersion calls sent %d requests, want 1", n)
	}
}

func TestParseServerVersion(t *testing.T) {
	for _, tc := range []struct {
		raw                   string
		major                 int
		externalID, rollsBack bool
	}{
		{"v1.3.1", 1, false, true},
		{"1.3.1", 1, false, true},
		{"v25.4.0", 25, true, false},
		{"v26.2.0", 26, true, false},
		{"master", 1 << 30, true, false},
		{"", 1 << 30, true, false},
		{"not a version", 1 << 30, true, false},
	} {
		v := kratosclient.ParseServerVersion(tc.raw)
		if v.Major != tc.major || v.HasExternalID() != tc.externalID || v.DeletesFirstFactors() != tc.externalID || v.RollsBackBatches() != tc.rollsBack {
			t.Errorf("ParseServerVersion(%q) = %+v (external ID %t, rolls back %t), want major %d, %t, %t",
				tc.raw, v, v.HasExternalID(), v.RollsBackBatches(), tc.major, tc.externalID, tc.rollsBack)
		}
	}
}

// TestListIdentitiesPastThePageCap lists 1201 identities with a page size above v26's cap of
// 500: every identity arrives, because the walk follows the Link header's next page until there
// is none instead of stopping on a page shorter than asked for.
func TestListIdentitiesPastThePageCap(t *testing.T) {
	c, counter := newClient(t)
	ctx := t.Context()
	const n = 1201
	want := batchCreateMinimal(t, c, n)
	before := counter.n.Load()
	got := map[string]bool{}
	for identity, err := range c.ListIdentities(ctx, kratosclient.ListIdentitiesParams{PageSize: 1000}) {
		if err != nil {
			t.Fatal(err)
		}
		got[identity.ID] = true
	}
	for _, id := range want {
		if !got[id] {
			t.Fatalf("identity %s missing from a list of %d identities (%d requests)", id, len(got), counter.n.Load()-before)
		}
	}
	t.Logf("listed %d identities in %d requests at page_size=1000 on Kratos %s", len(got), counter.n.Load()-before, serverVersion(t))
}
