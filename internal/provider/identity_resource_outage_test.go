package provider

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"

	"github.com/kratos-tf/terraform-provider-kratos/internal/kratosclient"
	"github.com/kratos-tf/terraform-provider-kratos/internal/kratostest"
)

// The outage the test puts Kratos through: killed once outageKillAfter identities exist, then
// outageRefused with nothing listening, then outageResets with a listener that resets every
// connection, then restarted on the same ports and database.
const (
	outageIdentities = 150
	outageKillAfter  = 20
	outageRefused    = 5 * time.Second
	outageResets     = 5 * time.Second
)

// TestAccIdentityResource_outage applies 150 identities with the default retry settings while
// its own Kratos (on a SQLite file) is killed and stays down for over 10 seconds, first refusing
// connections and then resetting them: no resource fails, Kratos ends with exactly the planned
// identities, once each, and the next plan is empty. It logs what the client retried.
func TestAccIdentityResource_outage(t *testing.T) {
	testAccPreCheck(t)
	logFile := filepath.Join(t.TempDir(), "provider.log")
	if keep := os.Getenv("KEEP_LOG"); keep != "" {
		logFile = keep
	}
	// The provider's debug log (the client's attempts) goes to logFile; without TF_ACC_LOG_PATH
	// the CLI logs nothing, which keeps a 150-resource apply fast.
	t.Setenv("TF_LOG", "DEBUG")
	t.Setenv("TF_LOG_PATH", logFile)

	inst := kratostest.StartT(t, kratostest.Options{SQLiteFile: true})
	client := instanceClient(t, inst, nil)
	o := newOutage(t, inst, client)
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		CheckDestroy: func(*terraform.State) error {
			left, err := kratosclient.Collect(client.ListIdentities(t.Context(), kratosclient.ListIdentitiesParams{}))
			if err != nil {
				return err
			}
			if len(left) > 0 {
				return fmt.Errorf("%d identities left after destroy", len(left))
			}
			return nil
		},
		Steps: []resource.TestStep{{
			PreConfig: o.start,
			Config: instanceProviderConfig(inst) + fmt.Sprintf(`
resource "kratos_identity" "outage" {
  count     = %d
  schema_id = "default"
  traits = jsonencode({
    email = format("outage-%%03d@example.test", count.index)
    name  = { first = "Outage", last = format("%%03d", count.index) }
    tags  = ["outage"]
  })
}
`, outageIdentities),
			Check: resource.ComposeAggregateTestCheckFunc(o.wait, checkOutageIdentities(t, client)),
			ConfigPlanChecks: resource.ConfigPlanChecks{
				PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
			},
		}},
	})
	o.report(t, logFile)
}

// outageTraits is the JSON of the traits the configuration plans for identity i.
func outageTraits(i int) string {
	return fmt.Sprintf(`{"email":"outage-%03d@example.test","name":{"first":"Outage","last":"%03d"},"tags":["outage"]}`, i, i)
}

// checkOutageIdentities checks that Kratos holds exactly the planned identities, each once with
// its planned traits, and that they are the ones in the state.
func checkOutageIdentities(t *testing.T, client *kratosclient.Client) resource.TestCheckFunc {
	return func(s *terraform.State) error {
		all, err := kratosclient.Collect(client.ListIdentities(t.Context(), kratosclient.ListIdentitiesParams{}))
		if err != nil {
			return err
		}
		want := map[string]bool{}
		for i := range outageIdentities {
			want[outageTraits(i)] = true
		}
		seen := map[string]int{}
		var kratosIDs, problems []string
		for _, id := range all {
			kratosIDs = append(kratosIDs, id.ID)
			matched := ""
			for w := range want {
				if eq, err := jsonSemanticEqual(string(id.Traits), w); err == nil && eq {
					matched = w
					break
				}
			}
			if matched == "" {
				problems = append(problems, fmt.Sprintf("identity %s has unplanned traits %s", id.ID, id.Traits))
				continue
			}
			if seen[matched]++; seen[matched] == 2 {
				problems = append(problems, "duplicate identities with traits "+matched)
			}
		}
		for w := range want {
			if seen[w] == 0 {
				problems = append(problems, "no identity with traits "+w)
			}
		}
		var stateIDs []string
		for _, rs := range s.RootModule().Resources {
			if rs.Type == "kratos_identity" {
				stateIDs = append(stateIDs, rs.Primary.ID)
			}
		}
		slices.Sort(kratosIDs)
		slices.Sort(stateIDs)
		if !slices.Equal(kratosIDs, stateIDs) {
			problems = append(problems, fmt.Sprintf("state tracks %d identities, Kratos holds %d (%s)", len(stateIDs), len(kratosIDs), diffSummary(stateIDs, kratosIDs)))
		}
		duplicates := len(all) - len(seen)
		t.Logf("outage: Kratos holds %d identities (%d planned), %d duplicates, %d problems", len(all), outageIdentities, duplicates, len(problems))
		if len(problems) > 0 {
			if len(problems) > 10 {
				problems = append(problems[:10], fmt.Sprintf("and %d more", len(problems)-10))
			}
			return errors.New(strings.Join(problems, "\n"))
		}
		return nil
	}
}

// outage kills, blocks and restarts a Kratos instance once an apply has created some identities.
type outage struct {
	t       *testing.T
	inst    *kratostest.Instance
	client  *kratosclient.Client
	started atomic.Bool
	done    chan struct{}

	// Set by run before done is closed.
	err           error
	createdAtKill int
	resets        int64
	down          time.Duration
	restart       time.Duration
}

// newOutage prepares an outage of inst, which client observes; the test waits for it to end.
func newOutage(t *testing.T, inst *kratostest.Instance, client *kratosclient.Client) *outage {
	t.Helper()
	o := &outage{t: t, inst: inst, client: client, done: make(chan struct{})}
	t.Cleanup(func() {
		if o.started.Load() {
			<-o.done
		}
	})
	return o
}

// start runs the outage in the background; it is the step's PreConfig.
func (o *outage) start() {
	o.started.Store(true)
	go func() {
		defer close(o.done)
		o.err = o.run(o.t.Context())
	}()
}

// wait waits for the outage to end and fails the check if it went wrong.
func (o *outage) wait(*terraform.State) error {
	if !o.started.Load() {
		return errors.New("outage: never started")
	}
	<-o.done
	if o.err != nil {
		return fmt.Errorf("outage: %w", o.err)
	}
	if o.createdAtKill >= outageIdentities {
		return fmt.Errorf("outage: Kratos was killed after all %d identities existed, so the apply never saw it", o.createdAtKill)
	}
	return nil
}

// run waits for outageKillAfter identities, kills Kratos, refuses and then resets connections
// on its ports, and restarts it.
func (o *outage) run(ctx context.Context) error {
	tick := time.NewTicker(100 * time.Millisecond)
	defer tick.Stop()
	deadline := time.After(5 * time.Minute)
	for o.createdAtKill < outageKillAfter {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-deadline:
			return fmt.Errorf("only %d identities after 5 minutes", o.createdAtKill)
		case <-tick.C:
		}
		ids, err := kratosclient.Collect(o.client.ListIdentities(ctx, kratosclient.ListIdentitiesParams{}))
		if err != nil {
			return fmt.Errorf("counting identities: %w", err)
		}
		o.createdAtKill = len(ids)
	}
	killed := time.Now()
	o.inst.Kill()
	o.t.Logf("outage: Kratos killed (SIGKILL) with %d identities created; connections refused for %s", o.createdAtKill, outageRefused)
	if err := sleepCtx(ctx, outageRefused); err != nil {
		return err
	}
	rl, err := listenAndReset(strings.TrimPrefix(o.inst.AdminURL, "http://"), strings.TrimPrefix(o.inst.PublicURL, "http://"))
	if err != nil {
		return err
	}
	o.t.Logf("outage: connections reset for %s", outageResets)
	err = sleepCtx(ctx, outageResets)
	o.resets = rl.close()
	if err != nil {
		return err
	}
	restart := time.Now()
	if err := o.inst.Restart(ctx); err != nil {
		return err
	}
	o.restart, o.down = time.Since(restart), time.Since(killed)
	o.t.Logf("outage: Kratos ready again after %s down (%d connections reset; the restart took %s)", o.down.Round(time.Millisecond), o.resets, o.restart.Round(time.Millisecond))
	return nil
}

// sleepCtx waits for d or until ctx ends.
func sleepCtx(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// resetListener stands on ports where a service is down and resets every connection once the
// client has sent its request, so that the client cannot tell whether it was acted on.
type resetListener struct {
	listeners []net.Listener
	wg        sync.WaitGroup
	resets    atomic.Int64
}

// listenAndReset starts a resetListener on each address.
func listenAndReset(addrs ...string) (*resetListener, error) {
	r := &resetListener{}
	for _, addr := range addrs {
		l, err := net.Listen("tcp", addr)
		if err != nil {
			r.close()
			return nil, fmt.Errorf("listening on %s to reset connections: %w", addr, err)
		}
		r.listeners = append(r.listeners, l)
		r.wg.Add(1)
		go r.serve(l)
	}
	return r, nil
}

// serve resets the connections l accepts until l is closed.
func (r *resetListener) serve(l net.Listener) {
	defer r.wg.Done()
	for {
		c, err := l.Accept()
		if err != nil {
			return
		}
		r.wg.Add(1)
		go func() {
			defer r.wg.Done()
			// Wait for the first bytes of the request, then close with RST instead of FIN.
			_ = c.SetReadDeadline(time.Now().Add(time.Second))
			_, _ = c.Read(make([]byte, 1))
			if tc, ok := c.(*net.TCPConn); ok {
				_ = tc.SetLinger(0)
			}
			_ = c.Close()
			r.resets.Add(1)
		}()
	}
}

// close stops listening, waits for the open connections to be reset, and returns how many were.
func (r *resetListener) close() int64 {
	for _, l := range r.listeners {
		_ = l.Close()
	}
	r.wg.Wait()
	return r.resets.Load()
}

// The client's debug log lines: attemptLine matches one attempt's line and captures what came
// of it; fieldRE captures each field of interest and its value, quoted or not.
var (
	attemptLine = regexp.MustCompile(`Kratos request (succeeded|failed; retrying|failed; not retrying)`)
	fieldRE     = regexp.MustCompile(`\b(method|url|attempt|error|status|tf_req_id)=("(?:[^"\\]|\\.)*"|\S+)`)
)

// report reads the provider's debug log and logs what the client retried during the test.
func (o *outage) report(t *testing.T, logFile string) {
	t.Helper()
	f, err := os.Open(logFile)
	if err != nil {
		t.Errorf("reading the provider log: %v", err)
		return
	}
	defer f.Close()
	retried, notRetried := map[string]int{}, map[string]int{}
	causes := map[string]int{}
	requestsRetried, maxAttempt := 0, 0
	// Creates whose outcome was unknown, by the ID of the Terraform request, and those of them
	// that the recovery sent again.
	lost, resent := map[string]bool{}, map[string]bool{}
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 16<<20)
	for sc.Scan() {
		m := attemptLine.FindStringSubmatch(sc.Text())
		if m == nil {
			continue
		}
		fields := map[string]string{}
		for _, fm := range fieldRE.FindAllStringSubmatch(sc.Text(), -1) {
			v := fm[2]
			if uq, err := strconv.Unquote(v); err == nil {
				v = uq
			}
			fields[fm[1]] = v
		}
		key := fields["method"] + " " + urlPathKind(fields["url"])
		attempt, _ := strconv.Atoi(fields["attempt"])
		isCreate := key == "POST /admin/identities"
		if isCreate && attempt == 1 && lost[fields["tf_req_id"]] {
			// A create sent again by the lost-create recovery, which found no identity.
			resent[fields["tf_req_id"]] = true
		}
		switch m[1] {
		case "succeeded":
			maxAttempt = max(maxAttempt, attempt)
		case "failed; retrying":
			retried[key]++
			causes[failureCause(fields)]++
			if attempt == 1 {
				requestsRetried++
			}
		default:
			notRetried[key]++
			causes[failureCause(fields)]++
			if isCreate {
				lost[fields["tf_req_id"]] = true
			}
		}
	}
	if err := sc.Err(); err != nil {
		t.Errorf("reading the provider log: %v", err)
	}
	t.Logf("outage: %d resources, Kratos down %s (killed with %d created; %s refused, %s reset with %d connections reset, restart %s)",
		outageIdentities, o.down.Round(time.Millisecond), o.createdAtKill, outageRefused, outageResets, o.resets, o.restart.Round(time.Millisecond))
	t.Logf("outage: %d requests failed and were retried (%d failed attempts retried: %s); %d failed attempts not retried (%s); causes: %s; the slowest success came at attempt %d of %d",
		requestsRetried, sum(retried), summary(retried), sum(notRetried), summary(notRetried), summary(causes), maxAttempt, kratosclient.DefaultMaxRetries+1)
	t.Logf("outage: %d creates had an unknown outcome and went to lost-create recovery: %d adopted an identity Kratos had created, %d found none and were sent again",
		len(lost), len(lost)-len(resent), len(resent))
	if sum(retried) == 0 {
		t.Errorf("the provider log %s shows no retried request: the outage was not observed", logFile)
	}
}

// urlPathKind shortens a logged URL to its path with identity IDs replaced by {id} and the query
// reduced to its parameter names.
func urlPathKind(u string) string {
	if i := strings.Index(u, "://"); i >= 0 {
		u = u[i+3:]
		if j := strings.Index(u, "/"); j >= 0 {
			u = u[j:]
		}
	}
	p, q, _ := strings.Cut(u, "?")
	segs := strings.Split(p, "/")
	for i, s := range segs {
		if len(s) == 36 && strings.Count(s, "-") == 4 {
			segs[i] = "{id}"
		}
	}
	p = strings.Join(segs, "/")
	if strings.Contains(q, "credentials_identifier") {
		p += "?credentials_identifier"
	}
	return p
}

// failureCause names the kind of a failed attempt from its logged fields.
func failureCause(fields map[string]string) string {
	e := fields["error"]
	switch {
	case fields["status"] != "":
		return "HTTP " + fields["status"]
	case strings.Contains(e, "refused"):
		return "connection refused"
	case strings.Contains(e, "reset"):
		return "connection reset"
	case strings.Contains(e, "EOF"):
		return "EOF"
	default:
		return e
	}
}

// sum adds the counts.
func sum(m map[string]int) int {
	n := 0
	for _, v := range m {
		n += v
	}
	return n
}

// summary renders counts as "key n, key n", largest first.
func summary(m map[string]int) string {
	if len(m) == 0 {
		return "none"
	}
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool { return m[keys[i]] > m[keys[j]] || m[keys[i]] == m[keys[j]] && keys[i] < keys[j] })
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = fmt.Sprintf("%s %d", k, m[k])
	}
	return strings.Join(parts, ", ")
}
