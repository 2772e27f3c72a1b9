package provider

import (
	"context"
	"fmt"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-log/tflog"

	"github.com/kratos-tf/terraform-provider-kratos/internal/identityschema"
	"github.com/kratos-tf/terraform-provider-kratos/internal/kratosclient"
)

// tflogLogger passes the client's account of its requests (attempts, answers, retries and
// waits) to Terraform's log at debug level: TF_LOG=debug shows them.
type tflogLogger struct{}

// Log writes one event of the client to the provider's log.
func (tflogLogger) Log(ctx context.Context, msg string, fields map[string]any) {
	tflog.Debug(ctx, msg, fields)
}

// providerData is what the provider hands to every resource, data source and ephemeral resource.
type providerData struct {
	client  *kratosclient.Client
	schemas *identityschema.Cache
	// unknownAttribute names a provider attribute that is known only after apply; the client
	// cannot be built until then.
	unknownAttribute string
}

// providerDataFrom converts the value a Configure method receives. It returns nil, without a
// diagnostic, before the provider is configured (as during validation).
func providerDataFrom(data any, diags *diag.Diagnostics) *providerData {
	if data == nil {
		return nil
	}
	pd, ok := data.(*providerData)
	if !ok {
		diags.AddError("Unexpected provider data",
			fmt.Sprintf("Expected *providerData, got %T. This is a bug in the provider; please report it.", data))
		return nil
	}
	return pd
}

// clientOrError returns the admin client, or adds a diagnostic saying why there is none.
func (d *providerData) clientOrError(diags *diag.Diagnostics) *kratosclient.Client {
	switch {
	case d == nil:
		diags.AddError("Provider not configured",
			"The kratos provider was not configured before use. This is a bug in the provider or Terraform; please report it.")
		return nil
	case d.client == nil:
		diags.AddError("Provider configuration not yet known",
			fmt.Sprintf("The provider's %s is known only after apply, so Kratos cannot be reached yet. "+
				"Apply the resources it depends on first (for example with -target), then run again.", d.unknownAttribute))
		return nil
	default:
		return d.client
	}
}

// serverVersion returns the Kratos version behind the admin URL (read once per provider process,
// GET /version), or false after adding a diagnostic that says why it could not be read.
func (d *providerData) serverVersion(ctx context.Context, diags *diag.Diagnostics) (kratosclient.ServerVersion, bool) {
	client := d.clientOrError(diags)
	if client == nil {
		return kratosclient.ServerVersion{}, false
	}
	v, err := client.ServerVersion(ctx)
	if err != nil {
		addClientError(diags, "Unable to Read the Kratos Version", err)
		return kratosclient.ServerVersion{}, false
	}
	return v, true
}
