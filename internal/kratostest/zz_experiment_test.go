package kratostest

import (
	"os"
	"testing"
	"time"
)

func TestZZExperiment(t *testing.T) {
	if os.Getenv("KT_EXPERIMENT") == "" {
		t.Skip()
	}
	i := StartT(t, Options{LogWriter: os.Stderr})
	os.WriteFile("/tmp/kt_urls", []byte(i.AdminURL+" "+i.PublicURL+"\n"), 0o644)
	time.Sleep(20 * time.Minute)
}
