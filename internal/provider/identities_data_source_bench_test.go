package provider

import (
	"context"
	"net/http"
	"runtime"
	"sync/atomic"
	"testing"

	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-go/tfprotov6"

	"github.com/kratos-tf/terraform-provider-kratos/internal/heappeak"
	"github.com/kratos-tf/terraform-provider-kratos/internal/kratostest"
)

// BenchmarkIdentities10k lists 10,000 identities from a real Kratos of its own through
// the kratos_identities data source's Read, at the production page size, including the encoding
// of the result for the protocol. Besides time and allocations it reports the peak heap during a
// read, garbage not yet collected included (peak-heap-MiB), how far it rose above the heap before
// the read (heap-rise-MiB), and what the finished result keeps alive (result-MiB).
//
//	go test ./internal/provider -run '^$' -bench Identities10k -benchtime 1x
func BenchmarkIdentities10k(b *testing.B) {
	const n = 10000
	inst := kratostest.StartT(b, kratostest.Options{})
	client := instanceClient(b, inst, nil)
	batchCreateIdentities(b, client, "bench", n)
	pd := &providerData{client: client}
	ctx := context.Background()

	var peak, rise, live uint64
	b.ReportAllocs()
	for b.Loop() {
		runtime.GC()
		base := heappeak.Objects()
		stop := heappeak.Sample()
		state := readDataSourceInProcess(b, NewIdentitiesDataSource(), pd, nil)
		if _, err := tfprotov6.NewDynamicValue(state.Schema.Type().TerraformType(ctx), state.Raw); err != nil {
			b.Fatal(err)
		}
		var ids []string
		if diags := state.GetAttribute(ctx, path.Root("ids"), &ids); diags.HasError() || len(ids) != n {
			b.Fatalf("read %d identities, want %d: %v", len(ids), n, diags)
		}
		p := stop()
		peak = max(peak, p)
		if p > base {
			rise = max(rise, p-base)
		}
		runtime.GC()
		if h := heappeak.Objects(); h > base {
			live = max(live, h-base)
		}
		runtime.KeepAlive(state)
	}
	b.ReportMetric(float64(peak)/(1<<20), "peak-heap-MiB")
	b.ReportMetric(float64(rise)/(1<<20), "heap-rise-MiB")
	b.ReportMetric(float64(live)/(1<<20), "result-MiB")
}

// requestCounter counts the HTTP requests that pass through it.
type requestCounter struct {
	n atomic.Int64
}

// RoundTrip counts the request and sends it.
func (c *requestCounter) RoundTrip(r *http.Request) (*http.Response, error) {
	c.n.Add(1)
	return http.DefaultTransport.RoundTrip(r)
}

// count returns the requests counted so far.
func (c *requestCounter) count() int { return int(c.n.Load()) }
