// Package kratosclient is a typed client for the Ory Kratos admin API (v1.3.1 and v25.4.0 onwards).
//
// It knows nothing about Terraform. Every endpoint has one method; all requests go through
// one path that adds authentication, retries what is safe to retry and turns error bodies
// into *APIError.
package kratosclient

import (
	"bytes"
	"cmp"
	"context"
	"crypto/tls"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"golang.org/x/net/http/httpguts"
)

// Defaults used when New is given no option that overrides them. With them, a retried request
// keeps trying for RetryBudget: the waits double from 250 ms up to 8 s, each jittered over its
// upper half, so 8 retries wait between 15.9 s and 31.8 s in all, long enough for a
// single-replica Kratos to restart.
const (
	DefaultTimeout    = 30 * time.Second
	DefaultMaxRetries = 8
	defaultMinBackoff = 250 * time.Millisecond
	defaultMaxBackoff = 8 * time.Second
	maxErrorBody      = 64 << 10
)

// Client talks to one Kratos deployment. It is safe for concurrent use.
type Client struct {
	adminURL   *url.URL
	publicURL  *url.URL
	httpClient *http.Client
	apiKey     string
	headers    http.Header
	userAgent  string
	timeout    time.Duration
	maxRetries int
	logger     Logger
	minBackoff time.Duration
	maxBackoff time.Duration
	tlsConfig  *tls.Config
	version    versionCache
}

// Option configures a Client.
type Option func(*Client)

// WithPublicURL sets the public base URL, where Kratos serves identity schemas.
func WithPublicURL(u *url.URL) Option { return func(c *Client) { c.publicURL = u } }

// WithAPIKey sends key as a bearer token on every request.
func WithAPIKey(key string) Option { return func(c *Client) { c.apiKey = key } }

// WithHeaders adds headers to every request.
func WithHeaders(h map[string]string) Option {
	return func(c *Client) {
		for k, v := range h {
			c.headers.Set(k, v)
		}
	}
}

// WithUserAgent sets the User-Agent header.
func WithUserAgent(ua string) Option { return func(c *Client) { c.userAgent = ua } }

// WithTimeout bounds each HTTP attempt; zero or less keeps the default.
func WithTimeout(d time.Duration) Option {
	return func(c *Client) {
		if d > 0 {
			c.timeout = d
		}
	}
}

// WithMaxRetries sets how many times a retryable failure is retried; zero disables retries.
func WithMaxRetries(n int) Option {
	return func(c *Client) {
		if n >= 0 {
			c.maxRetries = n
		}
	}
}

// WithBackoff sets the first and the largest wait between retries; negative values count as zero.
func WithBackoff(minWait, maxWait time.Duration) Option {
	return func(c *Client) { c.minBackoff, c.maxBackoff = max(minWait, 0), max(maxWait, 0) }
}

// WithHTTPClient replaces the underlying HTTP client (for custom transports); New uses a copy.
func WithHTTPClient(hc *http.Client) Option { return func(c *Client) { c.httpClient = hc } }

// WithTLSConfig makes https:// requests, to the admin and the public URL alike, trust and present
// what cfg says (see TLSSettings.Config); nil keeps Go's defaults. It applies to the HTTP client's
// transport, which must then be an *http.Transport (or nil, for http.DefaultTransport).
func WithTLSConfig(cfg *tls.Config) Option { return func(c *Client) { c.tlsConfig = cfg } }

// New returns a client for the Kratos admin API at adminURL (for example http://127.0.0.1:4434).
func New(adminURL string, opts ...Option) (*Client, error) {
	u, err := ParseBaseURL(adminURL)
	if err != nil {
		return nil, err
	}
	c := &Client{
		adminURL:   u,
		httpClient: &http.Client{},
		headers:    http.Header{},
		userAgent:  "terraform-provider-kratos",
		timeout:    DefaultTimeout,
		maxRetries: DefaultMaxRetries,
		minBackoff: defaultMinBackoff,
		maxBackoff: defaultMaxBackoff,
	}
	for _, opt := range opts {
		opt(c)
	}
	if err := c.checkHeaders(); err != nil {
		return nil, err
	}
	// A copy, so that the redirect check and the TLS settings never change a caller's client.
	hc := *c.httpClient
	hc.CheckRedirect = c.checkRedirect(hc.CheckRedirect)
	if c.tlsConfig != nil {
		rt := hc.Transport
		if rt == nil {
			rt = http.DefaultTransport
		}
		t, ok := rt.(*http.Transport)
		if !ok {
			return nil, fmt.Errorf("TLS settings need an *http.Transport, not a %T", hc.Transport)
		}
		t = t.Clone()
		t.TLSClientConfig = c.tlsConfig.Clone()
		hc.Transport = t
	}
	c.httpClient = &hc
	return c, nil
}

// ErrInvalidHeader is wrapped by New's error for a header (or API key) that no HTTP request
// can carry: net/http would refuse every request, which retrying cannot mend.
var ErrInvalidHeader = errors.New("invalid HTTP header")

// ReservedHeaders are the header names a configuration cannot set: net/http writes Host,
// Content-Length, Transfer-Encoding and Connection itself, and the client sets Accept,
// Content-Type and User-Agent on every request; a configured value would silently not be sent.
var ReservedHeaders = []string{"Accept", "Connection", "Content-Length", "Content-Type", "Host", "Transfer-Encoding", "User-Agent"}

// checkHeaders refuses header names and values, the API key's included, that are not valid
// in HTTP, and reserved names; the error names the header but never shows its value.
func (c *Client) checkHeaders() error {
	for name, values := range c.headers {
		if slices.Contains(ReservedHeaders, name) {
			return fmt.Errorf("%w name %q: the HTTP client sets it itself, so a configured value would not be sent", ErrInvalidHeader, name)
		}
		if !httpguts.ValidHeaderFieldName(name) {
			return fmt.Errorf("%w name %q", ErrInvalidHeader, name)
		}
		for _, v := range values {
			if !httpguts.ValidHeaderFieldValue(v) {
				return fmt.Errorf("%w: the value of %s has a character HTTP does not allow (such as a line break)", ErrInvalidHeader, name)
			}
		}
	}
	if !httpguts.ValidHeaderFieldValue("Bearer " + c.apiKey) {
		return fmt.Errorf("%w: the API key has a character HTTP does not allow (such as a line break)", ErrInvalidHeader)
	}
	return nil
}

// ParseBaseURL checks that raw is an absolute http(s) URL without query or fragment.
func ParseBaseURL(raw string) (*url.URL, error) {
	trimmed := strings.TrimSpace(raw)
	if trimmed != "" && !strings.Contains(trimmed, "://") {
		// Without "://", net/url reads "127.0.0.1:4434" as an error, "kratos:4434" as the scheme
		// "kratos" and "kratos.example.com/admin" as a path: none of them says what is missing.
		return nil, fmt.Errorf("%q has no scheme: write http://%s, or https://%s when Kratos or a proxy in front of it serves TLS", raw, trimmed, trimmed)
	}
	u, err := url.Parse(trimmed)
	if err != nil {
		return nil, fmt.Errorf("%q is not a URL: %w", raw, err)
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return nil, fmt.Errorf("%q must start with http:// or https://", raw)
	}
	if u.Host == "" {
		return nil, fmt.Errorf("%q has no host", raw)
	}
	if u.RawQuery != "" || u.Fragment != "" {
		return nil, fmt.Errorf("%q must not have a query or fragment", raw)
	}
	u.Path = strings.TrimSuffix(u.Path, "/")
	u.Path = strings.TrimSuffix(u.Path, "/admin")
	return u, nil
}

// request describes one API call.
type request struct {
	method string
	// base is the admin URL unless set (the public URL for schemas).
	base  *url.URL
	path  string
	query url.Values
	body  any
	// idempotent requests are retried on any retryable failure; others only when
	// the server certainly did not act on them.
	idempotent bool
	// want lists the success status codes.
	want []int
	// maxBody bounds a successful answer's body, counted after decompression; zero means
	// maxAnswerBody. Error bodies are read only as far as maxErrorBody.
	maxBody int64
}

// Bounds on what a successful answer's body may hold, by what the request can legitimately
// return: a larger body is refused with an *AnswerError before it fills memory.
const (
	// maxAnswerBody bounds one identity, session, schema or recovery answer.
	maxAnswerBody = 4 << 20
	// maxPageBody bounds one list page (at most 1000 items).
	maxPageBody = 64 << 20
)

// response is what do returns on success.
type response struct {
	status int
	header http.Header
	body   []byte
	// method and url name the request, for errors about the answer.
	method, url string
	// idempotent says whether the request was safe to repeat.
	idempotent bool
}

// do sends req, retrying what is safe to retry, and returns the successful response.
func (c *Client) do(ctx context.Context, req request) (*response, error) {
	var payload []byte
	if req.body != nil {
		b, err := json.Marshal(req.body)
		if err != nil {
			return nil, fmt.Errorf("encoding the %s %s request: %w", req.method, req.path, err)
		}
		payload = b
	}
	for attempt := 0; ; attempt++ {
		start := time.Now()
		resp, err := c.attempt(ctx, req, payload)
		if err == nil {
			c.logAttempt(ctx, req, attempt, time.Since(start), nil, 0, false)
			return resp, nil
		}
		wait, retry := c.retryDecision(req, err, attempt)
		retry = retry && ctx.Err() == nil
		c.logAttempt(ctx, req, attempt, time.Since(start), err, wait, retry)
		if !retry {
			return nil, c.checkPublicPort(ctx, req, recordOutcome(err, attempt+1, req.idempotent))
		}
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return nil, fmt.Errorf("%w (gave up waiting to retry after: %w)", ctx.Err(), recordOutcome(err, attempt+1, req.idempotent))
		case <-t.C:
		}
	}
}

// attempt performs one HTTP exchange.
func (c *Client) attempt(ctx context.Context, req request, payload []byte) (*response, error) {
	ctx, cancel := context.WithTimeout(ctx, c.timeout)
	defer cancel()
	u := c.url(req)
	var body io.Reader
	if payload != nil {
		body = bytes.NewReader(payload)
	}
	hr, err := http.NewRequestWithContext(ctx, req.method, u.String(), body)
	if err != nil {
		return nil, fmt.Errorf("building the %s %s request: %w", req.method, redactURL(u), err)
	}
	if sameOrigin(u, c.adminURL) {
		// The API key and the headers were configured for the admin URL: the public URL gets
		// neither, unless it shares the admin URL's origin.
		for k, vs := range c.headers {
			hr.Header[k] = vs
		}
		if c.apiKey != "" {
			hr.Header.Set("Authorization", "Bearer "+c.apiKey)
		}
	}
	maps.Copy(hr.Header, c.anonymousHeaders())
	if payload != nil {
		hr.Header.Set("Content-Type", "application/json")
	}
	res, err := c.httpClient.Do(hr)
	var redirectErr *RedirectError
	if errors.As(err, &redirectErr) {
		return nil, redirectErr
	}
	if err != nil {
		return nil, &TransportError{Method: req.method, URL: redactURL(u), Err: unwrapURLError(err), sent: requestSent(err)}
	}
	defer func() { _ = res.Body.Close() }()
	wanted := slices.Contains(req.want, res.StatusCode)
	limit := int64(maxErrorBody)
	if wanted {
		limit = cmp.Or(req.maxBody, maxAnswerBody)
	}
	// The transport decompresses gzip as it reads, so the limit counts decompressed bytes.
	data, err := io.ReadAll(io.LimitReader(res.Body, limit+1))
	if err != nil {
		return nil, &TransportError{Method: req.method, URL: redactURL(u), Err: err, sent: true}
	}
	if !wanted {
		// Only the excerpt of an error body is shown: what lies past the limit is not needed.
		return nil, newAPIError(req.method, redactURL(u), res, data[:min(int64(len(data)), limit)])
	}
	if int64(len(data)) > limit {
		return nil, &AnswerError{
			Method: req.method, URL: redactURL(u), Status: res.StatusCode, MayHaveBeenApplied: !req.idempotent,
			Problem: fmt.Sprintf("the answer is larger than %d MiB, the most this request can return; a proxy or server in between may be misbehaving", limit>>20),
		}
	}
	return &response{status: res.StatusCode, header: res.Header, body: data, method: req.method, url: redactURL(u), idempotent: req.idempotent}, nil
}

// anonymousHeaders are the headers that every request carries, whatever its origin.
func (c *Client) anonymousHeaders() http.Header {
	return http.Header{"Accept": {"application/json"}, "User-Agent": {c.userAgent}}
}

// maxRedirects is net/http's own limit, kept when the caller's client has no CheckRedirect.
const maxRedirects = 10

// checkRedirect returns the client's CheckRedirect: a hop to another origin than the request's
// is refused with a *RedirectError (except Kratos's redirect of a schema read to its public URL,
// taken without credentials); other hops go to next, the caller's check, when there is one.
func (c *Client) checkRedirect(next func(*http.Request, []*http.Request) error) func(*http.Request, []*http.Request) error {
	return func(req *http.Request, via []*http.Request) error {
		first, prev := via[0], via[len(via)-1]
		status := 0
		if req.Response != nil {
			status = req.Response.StatusCode
		}
		switch {
		case len(via) >= maxRedirects:
			return &RedirectError{
				Method: first.Method, Path: first.URL.EscapedPath(), Origin: origin(first.URL), Target: origin(req.URL),
				Status: status, Kind: RedirectLoop, FromPublicURL: !sameOrigin(first.URL, c.adminURL),
			}
		case sameOrigin(req.URL, first.URL) && req.Method != first.Method:
			// net/http turns a write into a GET on 301, 302 and 303: a 2xx of that GET would
			// pass for the write's success.
			return &RedirectError{
				Method: first.Method, Path: first.URL.EscapedPath(), Origin: origin(prev.URL), Target: origin(req.URL),
				Status: status, Kind: RedirectChangesMethod, FromPublicURL: !sameOrigin(first.URL, c.adminURL),
			}
		case sameOrigin(req.URL, first.URL):
			// Followed as net/http would, with the request's headers and body.
		case len(via) == 1 && c.isPublicSchemaRedirect(first, req):
			req.Header = c.anonymousHeaders()
		default:
			return &RedirectError{
				Method: prev.Method, Path: prev.URL.EscapedPath(), Origin: origin(prev.URL), Target: origin(req.URL),
				Status: status, FromPublicURL: !sameOrigin(first.URL, c.adminURL),
			}
		}
		if next != nil {
			return next(req, via)
		}
		return nil
	}
}

// isPublicSchemaRedirect reports whether next is Kratos sending first, a schema read on the admin
// URL, to its public base URL (x.RedirectToPublicRoute keeps the path after /admin and the
// query). Only a client without a public URL relies on that redirect.
func (c *Client) isPublicSchemaRedirect(first, next *http.Request) bool {
	if c.publicURL != nil || first.Method != http.MethodGet || next.Method != http.MethodGet {
		return false
	}
	rel, ok := strings.CutPrefix(first.URL.EscapedPath(), c.adminURL.EscapedPath()+"/admin")
	return ok && (rel == "/schemas" || strings.HasPrefix(rel, "/schemas/")) &&
		strings.HasSuffix(next.URL.EscapedPath(), rel) && next.URL.RawQuery == first.URL.RawQuery
}

// origin renders u's scheme, host and port, without user info or path.
func origin(u *url.URL) string { return u.Scheme + "://" + u.Host }

// sameOrigin reports whether a and b have the same scheme, host and port, a missing port
// counting as the scheme's default.
func sameOrigin(a, b *url.URL) bool {
	return strings.EqualFold(a.Scheme, b.Scheme) && strings.EqualFold(a.Hostname(), b.Hostname()) && effectivePort(a) == effectivePort(b)
}

// effectivePort is u's port, or the default port of its scheme.
func effectivePort(u *url.URL) string {
	if p := u.Port(); p != "" {
		return p
	}
	if strings.EqualFold(u.Scheme, "https") {
		return "443"
	}
	return "80"
}

// url builds the absolute URL of req.
func (c *Client) url(req request) *url.URL {
	base := c.adminURL
	if req.base != nil {
		base = req.base
	}
	u := *base
	// req.path is already escaped (url.PathEscape on each ID); keeping it as RawPath stops
	// String from escaping it a second time.
	u.RawPath = base.EscapedPath() + req.path
	u.Path, _ = url.PathUnescape(u.RawPath) // cannot fail: both parts come escaped from net/url
	if len(req.query) > 0 {
		u.RawQuery = req.query.Encode()
	}
	return &u
}

// decode unmarshals a response body into out; a body that is not the expected JSON is an
// *AnswerError.
func decode(resp *response, out any) error {
	if err := json.Unmarshal(resp.body, out); err != nil {
		return resp.answerError(fmt.Sprintf("the body is not the expected JSON (%v)", err))
	}
	return nil
}

// answerError reports what is wrong with the successful answer resp.
func (resp *response) answerError(problem string) *AnswerError {
	return &AnswerError{Method: resp.method, URL: resp.url, Status: resp.status, Problem: problem, MayHaveBeenApplied: !resp.idempotent}
}
