package kratosclient_test

import (
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/kratos-tf/terraform-provider-kratos/internal/kratosclient"
)

// sessionPassword is the password of every identity the session tests log in as.
const sessionPassword = "session-Password-1"

// loginTimes creates an identity with a password, logs in n times through the public API and
// returns the identity and the session IDs, newest last.
func loginTimes(t *testing.T, c *kratosclient.Client, n int) (*kratosclient.Identity, []string) {
	t.Helper()
	email := uniqueEmail(t, "s")
	id := createIdentity(t, c, email, sessionPassword)
	var sessions []string
	for range n {
		res, err := kratos.Login(t.Context(), email, sessionPassword)
		if err != nil {
			t.Fatalf("Login: %v", err)
		}
		if res.IdentityID != id.ID {
			t.Fatalf("login identity %s, want %s", res.IdentityID, id.ID)
		}
		sessions = append(sessions, res.SessionID)
	}
	return id, sessions
}

// sessionIDs returns the sorted IDs of sessions.
func sessionIDs(sessions []kratosclient.Session) []string {
	var out []string
	for _, s := range sessions {
		out = append(out, s.ID)
	}
	slices.Sort(out)
	return out
}

// ptr returns a pointer to v.
func ptr[T any](v T) *T { return &v }

func TestGetSession(t *testing.T) {
	c, _ := newClient(t)
	ctx := t.Context()
	id, sessions := loginTimes(t, c, 1)

	s, err := c.GetSession(ctx, sessions[0])
	if err != nil {
		t.Fatal(err)
	}
	if s.ID != sessions[0] || !s.Active || s.Identity != nil || len(s.Devices) != 0 {
		t.Errorf("session without expand = id %s active %v identity %v devices %v, want active without identity and devices", s.ID, s.Active, s.Identity, s.Devices)
	}
	if s.AuthenticatorAssuranceLevel != "aal1" || len(s.AuthenticationMethods) != 1 || s.AuthenticationMethods[0].Method != "password" {
		t.Errorf("aal %q methods %+v, want aal1 by password", s.AuthenticatorAssuranceLevel, s.AuthenticationMethods)
	}
	expires, err := time.Parse(time.RFC3339, s.ExpiresAt)
	if err != nil || expires.Before(time.Now()) {
		t.Errorf("expires_at %q (%v), want a future time", s.ExpiresAt, err)
	}

	s, err = c.GetSession(ctx, sessions[0], kratosclient.ExpandIdentity, kratosclient.ExpandDevices)
	if err != nil {
		t.Fatal(err)
	}
	if s.Identity == nil || s.Identity.ID != id.ID {
		t.Errorf("expand=identity: identity %+v, want %s", s.Identity, id.ID)
	} else {
		assertJSONEqual(t, "embedded traits", s.Identity.Traits, id.Traits)
		if s.Identity.Credentials != nil {
			t.Errorf("embedded identity carries credentials %v", s.Identity.Credentials)
		}
	}
	if len(s.Devices) != 1 || s.Devices[0].ID == "" || s.Devices[0].UserAgent == "" {
		t.Errorf("expand=devices: devices %+v, want the one login device", s.Devices)
	}

	_, err = c.GetSession(ctx, unknownUUID)
	wantStatus(t, "unknown session", err, http.StatusNotFound)
	_, err = c.GetSession(ctx, "not-a-uuid")
	wantStatus(t, "malformed session id", err, http.StatusBadRequest)
	_, err = c.GetSession(ctx, sessions[0], "everything")
	wantStatus(t, "bad expand", err, http.StatusBadRequest)
}

func TestDisableSession(t *testing.T) {
	c, _ := newClient(t)
	ctx := t.Context()
	_, sessions := loginTimes(t, c, 1)
	if err := c.DisableSession(ctx, sessions[0]); err != nil {
		t.Fatal(err)
	}
	s, err := c.GetSession(ctx, sessions[0])
	if err != nil {
		t.Fatalf("a disabled session stays readable: %v", err)
	}
	if s.Active {
		t.Error("session still active after DisableSession")
	}
	// SQLite counts matched rows, so revoking twice succeeds again.
	if err := c.DisableSession(ctx, sessions[0]); err != nil {
		t.Errorf("second disable: %v", err)
	}
	err = c.DisableSession(ctx, "not-a-uuid")
	wantStatus(t, "malformed session id", err, http.StatusBadRequest)
	err = c.DisableSession(ctx, unknownUUID)
	wantStatus(t, "unknown session", err, http.StatusNotFound)
}

func TestExtendSession(t *testing.T) {
	c, _ := newClient(t)
	ctx := t.Context()
	id, sessions := loginTimes(t, c, 1)
	before, err := c.GetSession(ctx, sessions[0])
	if err != nil {
		t.Fatal(err)
	}
	time.Sleep(1100 * time.Millisecond) // expires_at has second precision in SQLite
	s, err := c.ExtendSession(ctx, sessions[0])
	if err != nil {
		t.Fatal(err)
	}
	if s == nil {
		t.Fatal("ExtendSession returned no session; the default config answers 200 with one")
	}
	if s.ID != sessions[0] || s.Identity == nil || s.Identity.ID != id.ID {
		t.Errorf("extended session %s identity %+v, want %s with identity %s expanded", s.ID, s.Identity, sessions[0], id.ID)
	}
	oldExp, err1 := time.Parse(time.RFC3339, before.ExpiresAt)
	newExp, err2 := time.Parse(time.RFC3339, s.ExpiresAt)
	if err1 != nil || err2 != nil || !newExp.After(oldExp) {
		t.Errorf("expires_at %q -> %q, want later", before.ExpiresAt, s.ExpiresAt)
	}
	_, err = c.ExtendSession(ctx, unknownUUID)
	wantStatus(t, "unknown session", err, http.StatusNotFound)
	_, err = c.ExtendSession(ctx, "not-a-uuid")
	wantStatus(t, "malformed session id", err, http.StatusBadRequest)
}

func TestDeleteIdentitySessions(t *testing.T) {
	c, counter := newClient(t)
	ctx := t.Context()
	id, sessions := loginTimes(t, c, 2)
	if err := c.DeleteIdentitySessions(ctx, id.ID); err != nil {
		t.Fatal(err)
	}
	counter.wantLastStatus(t, "DELETE sessions of an identity with sessions", http.StatusNoContent)
	for _, s := range sessions {
		_, err := c.GetSession(ctx, s)
		wantStatus(t, "session after deleting the identity's sessions (hard delete)", err, http.StatusNotFound)
	}
	// Kratos answers 404 for an identity without sessions; the client reports success.
	if err := c.DeleteIdentitySessions(ctx, id.ID); err != nil {
		t.Errorf("deleting no sessions: %v", err)
	}
	counter.wantLastStatus(t, "DELETE sessions of an identity without sessions", http.StatusNotFound)
	if err := c.DeleteIdentitySessions(ctx, unknownUUID); err != nil {
		t.Errorf("deleting the sessions of an unknown identity: %v", err)
	}
	err := c.DeleteIdentitySessions(ctx, "not-a-uuid")
	wantStatus(t, "malformed identity id", err, http.StatusBadRequest)
}

func TestListIdentitySessions(t *testing.T) {
	c, counter := newClient(t)
	ctx := t.Context()
	id, sessions := loginTimes(t, c, 7)
	want := slices.Sorted(slices.Values(sessions))

	for _, perPage := range []int{2, 3, 7, 250} {
		before := counter.n.Load()
		got, err := kratosclient.Collect(c.ListIdentitySessions(ctx, id.ID, kratosclient.ListIdentitySessionsParams{PerPage: perPage}))
		if err != nil {
			t.Fatal(err)
		}
		if ids := sessionIDs(got); !slices.Equal(ids, want) {
			t.Errorf("per_page %d: sessions %v, want each of %v exactly once", perPage, ids, want)
		}
		if n, pages := counter.n.Load()-before, int64((7+perPage-1)/perPage); n != pages {
			t.Errorf("per_page %d: %d requests, want %d", perPage, n, pages)
		}
		for _, s := range got {
			if s.Identity == nil || s.Identity.ID != id.ID {
				t.Errorf("session %s: identity %+v, want %s always expanded", s.ID, s.Identity, id.ID)
			}
		}
	}

	t.Run("sequence ranged twice", func(t *testing.T) {
		seq := c.ListIdentitySessions(ctx, id.ID, kratosclient.ListIdentitySessionsParams{PerPage: 3})
		for i := range 2 {
			got, err := kratosclient.Collect(seq)
			if err != nil {
				t.Fatal(err)
			}
			if ids := sessionIDs(got); !slices.Equal(ids, want) {
				t.Errorf("walk %d: %v, want %v", i+1, ids, want)
			}
		}
	})

	t.Run("page 0 and page 1 are the same page", func(t *testing.T) {
		first := rawIdentitySessionsPage(t, id.ID, 0, 3)
		second := rawIdentitySessionsPage(t, id.ID, 1, 3)
		if !slices.Equal(first, second) {
			t.Errorf("page=0 %v differs from page=1 %v; the documented off-by-one is gone", first, second)
		}
	})

	t.Run("active filter", func(t *testing.T) {
		if err := c.DisableSession(ctx, sessions[3]); err != nil {
			t.Fatal(err)
		}
		inactive, err := kratosclient.Collect(c.ListIdentitySessions(ctx, id.ID, kratosclient.ListIdentitySessionsParams{Active: ptr(false), PerPage: 2}))
		if err != nil {
			t.Fatal(err)
		}
		if ids := sessionIDs(inactive); !slices.Equal(ids, []string{sessions[3]}) {
			t.Errorf("active=false: %v, want [%s]", ids, sessions[3])
		}
		active, err := kratosclient.Collect(c.ListIdentitySessions(ctx, id.ID, kratosclient.ListIdentitySessionsParams{Active: ptr(true), PerPage: 2}))
		if err != nil {
			t.Fatal(err)
		}
		wantActive := slices.Sorted(slices.Values(slices.Delete(slices.Clone(sessions), 3, 4)))
		if ids := sessionIDs(active); !slices.Equal(ids, wantActive) {
			t.Errorf("active=true: %v, want %v", ids, wantActive)
		}
	})

	t.Run("unknown identity is empty", func(t *testing.T) {
		got, err := kratosclient.Collect(c.ListIdentitySessions(ctx, unknownUUID, kratosclient.ListIdentitySessionsParams{}))
		if err != nil || len(got) != 0 {
			t.Errorf("unknown identity: %v, %v; want no sessions and no error", got, err)
		}
	})

	t.Run("malformed identity is 400", func(t *testing.T) {
		_, err := kratosclient.Collect(c.ListIdentitySessions(ctx, "not-a-uuid", kratosclient.ListIdentitySessionsParams{}))
		wantStatus(t, "malformed identity id", err, http.StatusBadRequest)
	})
}

// rawIdentitySessionsPage reads one offset page of an identity's sessions without the client.
func rawIdentitySessionsPage(t *testing.T, identityID string, page, perPage int) []string {
	t.Helper()
	q := url.Values{"page": {strconv.Itoa(page)}, "per_page": {strconv.Itoa(perPage)}}
	res, err := http.Get(kratos.AdminURL + "/admin/identities/" + identityID + "/sessions?" + q.Encode())
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	data, _ := io.ReadAll(res.Body)
	var items []kratosclient.Session
	if err := json.Unmarshal(data, &items); err != nil {
		t.Fatalf("page %d: %s: %v", page, data, err)
	}
	return sessionIDs(items)
}

func TestListSessions(t *testing.T) {
	c, counter := newClient(t)
	ctx := t.Context()
	id, sessions := loginTimes(t, c, 5)

	// collectOurs lists every session with p and keeps those of identity id, checking that no
	// session comes twice.
	collectOurs := func(t *testing.T, p kratosclient.ListSessionsParams) []kratosclient.Session {
		t.Helper()
		var ours []kratosclient.Session
		seen := map[string]bool{}
		for s, err := range c.ListSessions(ctx, p) {
			if err != nil {
				t.Fatal(err)
			}
			if seen[s.ID] {
				t.Errorf("session %s listed twice", s.ID)
			}
			seen[s.ID] = true
			if slices.Contains(sessions, s.ID) {
				ours = append(ours, s)
			}
		}
		return ours
	}

	t.Run("token pages", func(t *testing.T) {
		before := counter.n.Load()
		ours := collectOurs(t, kratosclient.ListSessionsParams{PageSize: 2})
		if ids, want := sessionIDs(ours), slices.Sorted(slices.Values(sessions)); !slices.Equal(ids, want) {
			t.Errorf("sessions %v, want %v", ids, want)
		}
		if n := counter.n.Load() - before; n < 3 {
			t.Errorf("%d requests with page_size 2 for at least 5 sessions, want at least 3", n)
		}
		for _, s := range ours {
			if s.Identity != nil || len(s.Devices) != 0 {
				t.Errorf("session %s without expand carries identity %v devices %v", s.ID, s.Identity, s.Devices)
			}
		}
	})

	t.Run("expand", func(t *testing.T) {
		ours := collectOurs(t, kratosclient.ListSessionsParams{PageSize: 3, Expand: []string{kratosclient.ExpandIdentity, kratosclient.ExpandDevices}})
		if len(ours) != len(sessions) {
			t.Fatalf("%d of our sessions listed, want %d", len(ours), len(sessions))
		}
		for _, s := range ours {
			if s.Identity == nil || s.Identity.ID != id.ID || len(s.Devices) != 1 {
				t.Errorf("session %s: identity %+v devices %+v, want identity %s and one device", s.ID, s.Identity, s.Devices, id.ID)
			}
		}
	})

	t.Run("active filter", func(t *testing.T) {
		if err := c.DisableSession(ctx, sessions[1]); err != nil {
			t.Fatal(err)
		}
		inactive := collectOurs(t, kratosclient.ListSessionsParams{Active: ptr(false), PageSize: 2})
		if ids := sessionIDs(inactive); !slices.Equal(ids, []string{sessions[1]}) {
			t.Errorf("active=false: our sessions %v, want [%s]", ids, sessions[1])
		}
		active := collectOurs(t, kratosclient.ListSessionsParams{Active: ptr(true), PageSize: 2})
		want := slices.Sorted(slices.Values(slices.Delete(slices.Clone(sessions), 1, 2)))
		if ids := sessionIDs(active); !slices.Equal(ids, want) {
			t.Errorf("active=true: our sessions %v, want %v", ids, want)
		}
		for _, s := range active {
			if !s.Active {
				t.Errorf("session %s listed with active=true but reports inactive", s.ID)
			}
		}
	})

	t.Run("bad expand is 400", func(t *testing.T) {
		_, err := kratosclient.Collect(c.ListSessions(ctx, kratosclient.ListSessionsParams{Expand: []string{"nope"}}))
		wantStatus(t, "bad expand", err, http.StatusBadRequest)
	})
}

// TestSessionActiveFollowsEmbeddedIdentity records that active is computed when the session is
// serialised: an inactive identity makes it false only when the identity is expanded.
func TestSessionActiveFollowsEmbeddedIdentity(t *testing.T) {
	c, _ := newClient(t)
	ctx := t.Context()
	id, sessions := loginTimes(t, c, 1)
	if _, err := c.PatchIdentity(ctx, id.ID, []kratosclient.PatchOp{{Op: "replace", Path: "/state", Value: json.RawMessage(`"inactive"`)}}); err != nil {
		t.Fatal(err)
	}
	plain, err := c.GetSession(ctx, sessions[0])
	if err != nil {
		t.Fatal(err)
	}
	expanded, err := c.GetSession(ctx, sessions[0], kratosclient.ExpandIdentity)
	if err != nil {
		t.Fatal(err)
	}
	if !plain.Active || expanded.Active {
		t.Errorf("inactive identity: active without expand %v, with expand=identity %v; want true and false", plain.Active, expanded.Active)
	}
}
