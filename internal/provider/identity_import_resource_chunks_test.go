package provider

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/terraform"

	"github.com/kratos-tf/terraform-provider-kratos/internal/kratosclient"
	"github.com/kratos-tf/terraform-provider-kratos/internal/kratostest"
)

// TestHashingPace sizes requests by the measured time per cleartext password: a probe first, then
// what fits in half the timeout, half as many after a timeout, and never fewer than one.
func TestHashingPace(t *testing.T) {
	full := importLimits{members: 1000, passwords: 200, bytes: 4 << 20}
	p := hashingPace{budget: 15 * time.Second}
	steps := []struct {
		name          string
		passwords     int
		elapsed       time.Duration
		timedOut      bool
		wantLimit     int
		wantShrinking bool
	}{
		{name: "before any answer", wantLimit: importProbePasswords},
		{name: "10 hashed in 2.5 s", passwords: 10, elapsed: 2500 * time.Millisecond, wantLimit: 60},
		{name: "60 timed out at 30 s", passwords: 60, elapsed: 30 * time.Second, timedOut: true, wantLimit: 30, wantShrinking: true},
		{name: "30 hashed in 6 s", passwords: 30, elapsed: 6 * time.Second, wantLimit: 75},
		{name: "fast hashes", passwords: 75, elapsed: 75 * time.Millisecond, wantLimit: 200},
		{name: "one timed out", passwords: 1, elapsed: 30 * time.Second, timedOut: true, wantLimit: 1},
		{name: "no cleartext learns nothing", passwords: 0, elapsed: time.Hour, wantLimit: 1},
	}
	for _, s := range steps {
		p.observe(s.passwords, s.elapsed, s.timedOut)
		got := p.limits(full)
		if got.passwords != s.wantLimit || got.members != full.members || got.bytes != full.bytes {
			t.Errorf("%s: limits = %+v, want %d passwords and the other limits unchanged", s.name, got, s.wantLimit)
		}
		if p.shrinking() != s.wantShrinking && s.passwords > 0 {
			t.Errorf("%s: shrinking = %v, want %v", s.name, p.shrinking(), s.wantShrinking)
		}
	}
}

// TestAccIdentityImport_cleartextWithinTimeout imports 30 cleartext passwords into a Kratos of its
// own that hashes at bcrypt cost 12, Kratos's default (about 0.25 s a password here), with a 4 s
// request timeout: all 30 in one request outlast the timeout, and sending the same request again
// times out again. The provider measures a first small request and sends the rest in requests
// that fit; every member is created once, and a member signs in with its password.
func TestAccIdentityImport_cleartextWithinTimeout(t *testing.T) {
	skipWithoutAcc(t)
	inst := kratostest.StartT(t, kratostest.Options{BcryptCost: 12})
	admin := newRecordingProxy(t, inst.AdminURL)
	const n = 30
	var members strings.Builder
	for i := range n {
		fmt.Fprintf(&members, "    m%02d = { schema_id = \"default\", traits = jsonencode({ email = \"slowhash%02d@example.test\" }), password = %q }\n", i, i, testPassword)
	}
	testAccRun(t, []resource.TestStep{{
		Config: fmt.Sprintf(`
provider "kratos" {
  admin_url       = %q
  public_url      = %q
  request_timeout = "4s"
  max_retries     = 0
}

resource "kratos_identity_import" "users" {
  identities = jsonencode({
%s  })
}
`, admin.URL, inst.PublicURL, members.String()),
		Check: resource.ComposeTestCheckFunc(
			resource.TestCheckResourceAttr(importAddr, "ids.%", fmt.Sprint(n)),
			func(*terraform.State) error {
				client, err := kratosclient.New(inst.AdminURL)
				if err != nil {
					return err
				}
				held := 0
				for id, err := range client.ListIdentities(t.Context(), kratosclient.ListIdentitiesParams{IdentifierSimilar: "slowhash"}) {
					if err != nil {
						return err
					}
					if !strings.HasPrefix(string(id.Traits), `{"email":"slowhash`) {
						return fmt.Errorf("unexpected identity %s: %s", id.ID, id.Traits)
					}
					held++
				}
				if held != n {
					return fmt.Errorf("Kratos holds %d identities, want %d: each member exactly once", held, n)
				}
				if _, err := inst.Login(t.Context(), "slowhash29@example.test", testPassword); err != nil {
					return fmt.Errorf("member m29 cannot sign in with its password: %w", err)
				}
				if batches := admin.count(http.MethodPatch, "/admin/identities"); batches < 3 {
					return fmt.Errorf("%d batch requests, want at least 3: 30 passwords at about 0.25 s each do not fit in 2 s\n%s", batches, admin.recorded())
				}
				return nil
			},
		),
	}})
}
