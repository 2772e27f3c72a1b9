package kratosclient_test

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"sync/atomic"
	"testing"
	"time"

	"github.com/kratos-tf/terraform-provider-kratos/internal/kratosclient"
)

// lostPatchAnswerProxy returns a client that reaches the test Kratos through a proxy which
// forwards every request but answers the first PATCH with a 502 after Kratos applied it, and the
// number of PATCH requests Kratos received.
func lostPatchAnswerProxy(t *testing.T) (*kratosclient.Client, *atomic.Int64) {
	t.Helper()
	admin, err := url.Parse(kratos.AdminURL)
	if err != nil {
		t.Fatal(err)
	}
	var patches atomic.Int64
	proxy := httputil.NewSingleHostReverseProxy(admin)
	proxy.ModifyResponse = func(res *http.Response) error {
		if res.Request.Method == http.MethodPatch && patches.Add(1) == 1 {
			return errors.New("answer lost on the way back")
		}
		return nil
	}
	proxy.ErrorHandler = func(w http.ResponseWriter, _ *http.Request, _ error) { w.WriteHeader(http.StatusBadGateway) }
	srv := httptest.NewServer(proxy)
	t.Cleanup(srv.Close)
	c, err := kratosclient.New(srv.URL, kratosclient.WithBackoff(10*time.Millisecond, 100*time.Millisecond))
	if err != nil {
		t.Fatal(err)
	}
	return c, &patches
}

func TestLostPatchAnswerIsRetriedOnlyWhenIdempotent(t *testing.T) {
	direct, _ := newClient(t)
	tests := []struct {
		name     string
		op       kratosclient.PatchOp
		wantTags []string
		// retried is whether the patch is safe to send again after the lost answer.
		retried bool
	}{
		{"append", kratosclient.PatchOp{Op: "add", Path: "/traits/tags/-", Value: rawJSON(t, "b")}, []string{"a", "b"}, false},
		{"insert at an index", kratosclient.PatchOp{Op: "add", Path: "/traits/tags/0", Value: rawJSON(t, "b")}, []string{"b", "a"}, false},
		{"replace the array", kratosclient.PatchOp{Op: "replace", Path: "/traits/tags", Value: rawJSON(t, []string{"a", "b"})}, []string{"a", "b"}, true},
		{"add an object member", kratosclient.PatchOp{Op: "add", Path: "/traits/tags", Value: rawJSON(t, []string{"a", "b"})}, []string{"a", "b"}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			email := uniqueEmail(t, "tags")
			id := mustCreate(t, direct, kratosclient.CreateIdentityBody{
				SchemaID: "default", Traits: rawJSON(t, map[string]any{"email": email, "tags": []string{"a"}}),
			})
			c, patches := lostPatchAnswerProxy(t)
			_, err := c.PatchIdentity(t.Context(), id.ID, []kratosclient.PatchOp{tt.op})
			wantPatches := int64(1)
			if tt.retried {
				wantPatches = 2
				if err != nil {
					t.Fatalf("an idempotent patch was not retried after the lost answer: %v", err)
				}
			} else {
				var apiErr *kratosclient.APIError
				if !errors.As(err, &apiErr) || apiErr.StatusCode != http.StatusBadGateway {
					t.Fatalf("error %v, want the 502: a patch that is not idempotent must not be sent again", err)
				}
				if !apiErr.MayHaveBeenApplied || apiErr.Attempts != 1 {
					t.Errorf("MayHaveBeenApplied %v after %d attempts, want true after 1", apiErr.MayHaveBeenApplied, apiErr.Attempts)
				}
			}
			if n := patches.Load(); n != wantPatches {
				t.Errorf("Kratos received %d PATCHes, want %d", n, wantPatches)
			}
			got, err := direct.GetIdentity(t.Context(), id.ID)
			if err != nil {
				t.Fatal(err)
			}
			assertJSONEqual(t, "traits", got.Traits, map[string]any{"email": email, "tags": tt.wantTags})
		})
	}
}
