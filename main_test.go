package main

import (
	"slices"
	"testing"
)

func TestSDKLogsToSilence(t *testing.T) {
	for _, tc := range []struct {
		name    string
		environ []string
		silence bool
	}{
		{"no variables", nil, true},
		{"unrelated variables", []string{"HOME=/root", "TF_CLI_CONFIG_FILE=/x", "TF_IN_AUTOMATION=1", "TF_ACC=1"}, true},
		{"empty TF_LOG", []string{"TF_LOG="}, true},
		{"TF_LOG", []string{"PATH=/bin", "TF_LOG=trace"}, false},
		{"TF_LOG_PATH", []string{"TF_LOG_PATH=/tmp/log"}, false},
		{"TF_LOG_PROVIDER", []string{"TF_LOG_PROVIDER=debug"}, false},
		{"TF_LOG_PROVIDER_KRATOS", []string{"TF_LOG_PROVIDER_KRATOS=debug"}, false},
		{"TF_LOG_SDK_FRAMEWORK", []string{"TF_LOG_SDK_FRAMEWORK=trace"}, false},
		{"TF_LOG_SDK_PROTO_DATA_DIR", []string{"TF_LOG_SDK_PROTO_DATA_DIR=/tmp"}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := sdkLogsToSilence(tc.environ)
			if tc.silence && !slices.Equal(got, []string{"TF_LOG_SDK", "TF_LOG_SDK_PROTO", "TF_LOG_SDK_FRAMEWORK"}) {
				t.Errorf("got %v, want every SDK logger silenced", got)
			}
			if !tc.silence && got != nil {
				t.Errorf("got %v, want none silenced: the user asked for logs", got)
			}
		})
	}
}
