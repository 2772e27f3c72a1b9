package provider

import (
	"context"
	"net/http"
	"runtime"
	"runtime/metrics"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/tfsdk"
	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	"github.com/hashicorp/terraform-plugin-go/tftypes"

	"github.com/kratos-tf/terraform-provider-kratos/internal/kratosclient"
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
		base := heapObjectBytes()
		stop := sampleHeapPeak()
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
		if h := heapObjectBytes(); h > base {
			live = max(live, h-base)
		}
		runtime.KeepAlive(state)
	}
	b.ReportMetric(float64(peak)/(1<<20), "peak-heap-MiB")
	b.ReportMetric(float64(rise)/(1<<20), "heap-rise-MiB")
	b.ReportMetric(float64(live)/(1<<20), "result-MiB")
}

// heapMetric is the runtime metric for the bytes of live and not yet swept heap objects.
const heapMetric = "/memory/classes/heap/objects:bytes"

// heapObjectBytes reads heapMetric once.
func heapObjectBytes() uint64 {
	s := []metrics.Sample{{Name: heapMetric}}
	metrics.Read(s)
	return s[0].Value.Uint64()
}

// sampleHeapPeak samples heapMetric every millisecond until the returned function is called,
// which returns the highest value seen.
func sampleHeapPeak() func() uint64 {
	var peak atomic.Uint64
	peak.Store(heapObjectBytes())
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		tick := time.NewTicker(time.Millisecond)
		defer tick.Stop()
		for {
			select {
			case <-done:
				return
			case <-tick.C:
				if v := heapObjectBytes(); v > peak.Load() {
					peak.Store(v)
				}
			}
		}
	}()
	return func() uint64 {
		close(done)
		wg.Wait()
		if v := heapObjectBytes(); v > peak.Load() {
			peak.Store(v)
		}
		return peak.Load()
	}
}

// readDataSourceInProcess configures ds with pd and runs its Read with config (attribute name to
// string, int64 or []string; the rest null), failing on error diagnostics. It returns the state.
func readDataSourceInProcess(tb testing.TB, ds datasource.DataSource, pd *providerData, config map[string]any) tfsdk.State {
	tb.Helper()
	ctx := context.Background()
	var sresp datasource.SchemaResponse
	ds.Schema(ctx, datasource.SchemaRequest{}, &sresp)
	if c, ok := ds.(datasource.DataSourceWithConfigure); ok {
		var cresp datasource.ConfigureResponse
		c.Configure(ctx, datasource.ConfigureRequest{ProviderData: pd}, &cresp)
		if cresp.Diagnostics.HasError() {
			tb.Fatalf("configure: %v", cresp.Diagnostics)
		}
	}
	objType, raw := configValue(tb, sresp.Schema.Type().TerraformType(ctx), config)
	req := datasource.ReadRequest{Config: tfsdk.Config{Schema: sresp.Schema, Raw: raw}}
	resp := datasource.ReadResponse{State: tfsdk.State{Schema: sresp.Schema, Raw: tftypes.NewValue(objType, nil)}}
	ds.Read(ctx, req, &resp)
	if resp.Diagnostics.HasError() {
		tb.Fatalf("read: %v", resp.Diagnostics)
	}
	return resp.State
}

// configValue builds the configuration object of type typ from config (attribute name to string,
// bool, int64 or []string; the rest null).
func configValue(tb testing.TB, typ tftypes.Type, config map[string]any) (tftypes.Object, tftypes.Value) {
	tb.Helper()
	objType, ok := typ.(tftypes.Object)
	if !ok {
		tb.Fatalf("schema type %s is not an object", typ)
	}
	values := make(map[string]tftypes.Value, len(objType.AttributeTypes))
	for name, typ := range objType.AttributeTypes {
		switch v := config[name].(type) {
		case nil:
			values[name] = tftypes.NewValue(typ, nil)
		case []string:
			elems := make([]tftypes.Value, len(v))
			for i, s := range v {
				elems[i] = tftypes.NewValue(tftypes.String, s)
			}
			values[name] = tftypes.NewValue(typ, elems)
		default:
			values[name] = tftypes.NewValue(typ, v)
		}
	}
	return objType, tftypes.NewValue(objType, values)
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

// instanceClient returns an admin client for inst; with a counter, every request goes through it.
func instanceClient(tb testing.TB, inst *kratostest.Instance, counter *requestCounter) *kratosclient.Client {
	tb.Helper()
	u, err := kratosclient.ParseBaseURL(inst.PublicURL)
	if err != nil {
		tb.Fatal(err)
	}
	opts := []kratosclient.Option{kratosclient.WithPublicURL(u)}
	if counter != nil {
		opts = append(opts, kratosclient.WithHTTPClient(&http.Client{Transport: counter}))
	}
	c, err := kratosclient.New(inst.AdminURL, opts...)
	if err != nil {
		tb.Fatal(err)
	}
	return c
}
