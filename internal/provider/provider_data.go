package provider

import (
	"errors"
	"fmt"
	"net/http"

	"github.com/hashicorp/terraform-plugin-framework/diag"

	"github.com/kratos-tf/terraform-provider-kratos/internal/kratosclient"
)

// providerData is what the provider hands to every resource, data source and ephemeral resource.
type providerData struct {
	client  *kratosclient.Client
	schemas *schemaCache
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

// addClientError adds a diagnostic for a failed Kratos call: what failed, what Kratos answered
// and what the user can do. It never includes request bodies, so secrets cannot leak into it.
func addClientError(diags *diag.Diagnostics, summary string, err error) {
	diags.AddError(summary, describeClientError(err))
}

// describeClientError explains a client error in words, with a hint for common causes.
func describeClientError(err error) string {
	var apiErr *kratosclient.APIError
	var tErr *kratosclient.TransportError
	switch {
	case errors.As(err, &apiErr):
		hint := ""
		switch apiErr.StatusCode {
		case http.StatusUnauthorized, http.StatusForbidden:
			hint = "\n\nSelf-hosted Kratos does not authenticate admin requests, so a proxy in front of it refused this one: check the provider's api_key and headers."
		case http.StatusNotFound:
			if apiErr.Message == "" && apiErr.Reason == "" {
				hint = "\n\nThe answer did not come from Kratos's admin API: check that admin_url points at the admin port (4434 by default), not the public one."
			}
		case http.StatusTooManyRequests, http.StatusBadGateway, http.StatusServiceUnavailable, http.StatusGatewayTimeout:
			hint = "\n\nKratos or a proxy in front of it is overloaded or restarting; the provider already retried. Try again later or raise max_retries."
		}
		return fmt.Sprintf("Kratos answered %s.%s", err.Error(), hint)
	case errors.As(err, &tErr):
		return fmt.Sprintf("The request %s.\n\nCheck that Kratos is running and that the provider's admin_url (or %s) is right.", err.Error(), envAdminURL)
	default:
		return err.Error()
	}
}
