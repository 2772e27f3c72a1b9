// Command terraform-provider-kratos serves the Kratos provider to Terraform and OpenTofu.
package main

import (
	"context"
	"flag"
	"log"
	"os"
	"strings"

	"github.com/hashicorp/terraform-plugin-framework/providerserver"

	"github.com/kratos-tf/terraform-provider-kratos/internal/gctuner"
	"github.com/kratos-tf/terraform-provider-kratos/internal/probe"
	"github.com/kratos-tf/terraform-provider-kratos/internal/provider"
)

//go:generate bash tools/gen-docs.sh

// version is set by the release build through -ldflags "-X main.version=…".
var version = "dev"

func main() {
	var debug bool
	flag.BoolVar(&debug, "debug", false, "run the provider with support for debuggers like delve")
	flag.Parse()

	for _, name := range sdkLogsToSilence(os.Environ()) {
		_ = os.Setenv(name, "OFF")
	}
	gctuner.Start()
	stopProbe := probe.Start()
	err := providerserver.Serve(context.Background(), provider.New(version), providerserver.ServeOpts{
		Address:         "registry.terraform.io/kratos-tf/kratos",
		Debug:           debug,
		ProtocolVersion: 6,
	})
	stopProbe()
	if err != nil {
		log.Fatal(err.Error())
	}
}

// sdkLogLevelVariables are where terraform-plugin-go (TF_LOG_SDK, TF_LOG_SDK_PROTO) and the
// framework (TF_LOG_SDK_FRAMEWORK) read their loggers' levels. Unset, a logger logs everything:
// it formats every trace line even when Terraform, with no TF_LOG* set, discards them all
// (terraform-plugin-framework issue #1269).
var sdkLogLevelVariables = []string{"TF_LOG_SDK", "TF_LOG_SDK_PROTO", "TF_LOG_SDK_FRAMEWORK"}

// sdkLogsToSilence returns the variables to set to OFF given the environment (as os.Environ
// lists it): sdkLogLevelVariables when no TF_LOG* variable has a value, else none, so that
// any request for logs (TF_LOG, TF_LOG_PATH, TF_LOG_PROVIDER, TF_LOG_SDK_FRAMEWORK, …) gets
// the libraries' usual output.
func sdkLogsToSilence(environ []string) []string {
	for _, kv := range environ {
		name, value, _ := strings.Cut(kv, "=")
		if strings.HasPrefix(name, "TF_LOG") && value != "" {
			return nil
		}
	}
	return sdkLogLevelVariables
}
