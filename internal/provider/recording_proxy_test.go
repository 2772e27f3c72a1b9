package provider

import (
	"bytes"
	"io"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"strings"
	"sync"
	"testing"
)

// recordingProxy is a reverse proxy in front of the real Kratos that records every request
// as "METHOD /path" and can lose the answer to chosen requests after Kratos has acted on
// them, which a real Kratos cannot be made to do.
type recordingProxy struct {
	*httptest.Server
	target *url.URL

	mu    sync.Mutex
	calls []string
	// drop, when set, is asked for each request; true makes the proxy lose the answer the
	// way dropHow says. It is cleared after the first drop.
	drop    func(r *http.Request) bool
	dropHow loss
	// substitute is the identity whose answer lossMisrouted shows instead of Kratos's.
	substitute string
	// dropped counts the answers lost on purpose.
	dropped int
}

// loss is how the proxy loses an answer.
type loss int

const (
	// lossAfterKratos forwards the request, then closes the client's connection.
	lossAfterKratos loss = iota
	// lossGatewayTimeout forwards the request, then answers 504 as a gateway that gave up would.
	lossGatewayTimeout
	// lossBeforeKratos closes the client's connection without forwarding the request.
	lossBeforeKratos
	// lossMisrouted forwards the request, then answers with another identity (substitute) and
	// the status Kratos would have given, as a misrouting proxy or cache would.
	lossMisrouted
)

// newRecordingProxy starts a proxy in front of target and stops it when the test ends.
func newRecordingProxy(t *testing.T, target string) *recordingProxy {
	t.Helper()
	u, err := url.Parse(target)
	if err != nil {
		t.Fatal(err)
	}
	p := &recordingProxy{target: u}
	rp := httputil.NewSingleHostReverseProxy(u)
	p.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p.mu.Lock()
		p.calls = append(p.calls, r.Method+" "+r.URL.Path)
		drop := p.drop != nil && p.drop(r)
		how, substitute := p.dropHow, p.substitute
		if drop {
			p.drop = nil
			p.dropped++
		}
		p.mu.Unlock()
		if drop && how == lossMisrouted {
			p.misroute(t, w, r, substitute)
			return
		}
		if drop {
			p.lose(t, w, r, how)
			return
		}
		rp.ServeHTTP(w, r)
	}))
	t.Cleanup(p.Close)
	return p
}

// lose answers r without Kratos's answer, in the way how says.
func (p *recordingProxy) lose(t *testing.T, w http.ResponseWriter, r *http.Request, how loss) {
	if how != lossBeforeKratos {
		p.forward(t, r)
	}
	if how == lossGatewayTimeout {
		http.Error(w, http.StatusText(http.StatusGatewayTimeout), http.StatusGatewayTimeout)
		return
	}
	hj, ok := w.(http.Hijacker)
	if !ok {
		t.Error("the test server cannot hijack connections")
		return
	}
	conn, _, err := hj.Hijack()
	if err != nil {
		t.Error(err)
		return
	}
	_ = conn.Close()
}

// misroute forwards r, then answers with the identity substitute as Kratos serves it.
func (p *recordingProxy) misroute(t *testing.T, w http.ResponseWriter, r *http.Request, substitute string) {
	p.forward(t, r)
	res, err := http.Get(p.target.String() + "/admin/identities/" + substitute)
	if err != nil {
		t.Error(err)
		return
	}
	defer func() { _ = res.Body.Close() }()
	status := http.StatusOK
	if r.Method == http.MethodPost {
		status = http.StatusCreated
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = io.Copy(w, res.Body)
}

// misrouteNext makes the proxy answer the next request match selects with the identity substitute.
func (p *recordingProxy) misrouteNext(substitute string, match func(r *http.Request) bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.drop, p.dropHow, p.substitute = match, lossMisrouted, substitute
}

// forward sends r to Kratos and waits for its answer, which it discards.
func (p *recordingProxy) forward(t *testing.T, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	out, err := http.NewRequestWithContext(r.Context(), r.Method, p.target.String()+r.URL.RequestURI(), bytes.NewReader(body))
	if err != nil {
		t.Error(err)
		return
	}
	out.Header = r.Header.Clone()
	res, err := http.DefaultTransport.RoundTrip(out)
	if err != nil {
		t.Errorf("forwarding the request to drop: %v", err)
	} else {
		_, _ = io.Copy(io.Discard, res.Body)
		_ = res.Body.Close()
	}
}

// droppedCount returns how many answers the proxy lost on purpose.
func (p *recordingProxy) droppedCount() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.dropped
}

// reset forgets the recorded requests.
func (p *recordingProxy) reset() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.calls = nil
}

// dropNext makes the proxy lose, as how says, the answer to the next request match selects.
func (p *recordingProxy) dropNext(how loss, match func(r *http.Request) bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.drop, p.dropHow = match, how
}

// count returns how many recorded requests have the method and a path starting with prefix.
func (p *recordingProxy) count(method, prefix string) int {
	p.mu.Lock()
	defer p.mu.Unlock()
	n := 0
	for _, c := range p.calls {
		m, path, _ := strings.Cut(c, " ")
		if m == method && strings.HasPrefix(path, prefix) {
			n++
		}
	}
	return n
}

// recorded returns the recorded requests, for failure messages.
func (p *recordingProxy) recorded() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return strings.Join(p.calls, "\n")
}
