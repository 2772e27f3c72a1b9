package provider

import (
	"context"
	"errors"
	"fmt"
	"net/http"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-log/tflog"

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
	var redirectErr *kratosclient.RedirectError
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
			hint = "\n\nKratos or a proxy in front of it is overloaded or restarting" + alreadyRetried(apiErr.Attempts) + ". Try again later or raise max_retries."
		}
		if apiErr.MayHaveBeenApplied {
			hint = mayHaveBeenAppliedHint
		}
		return fmt.Sprintf("Kratos answered %s.%s", err.Error(), hint)
	case errors.As(err, &tErr):
		detail := fmt.Sprintf("The request %s%s.\n\nCheck that Kratos is running and that the provider's admin_url (or %s) is right.",
			err.Error(), alreadyRetried(tErr.Attempts), envAdminURL)
		if tErr.MayHaveBeenApplied {
			detail += mayHaveBeenAppliedHint
		}
		return detail
	case errors.As(err, &redirectErr):
		setting := "admin_url (or " + envAdminURL + ")"
		if redirectErr.FromPublicURL {
			setting = "public_url (or " + envPublicURL + ")"
		}
		return fmt.Sprintf("%s.\n\nSet the provider's %s to the address Kratos answers on.", err.Error(), setting)
	default:
		return err.Error()
	}
}

// mayHaveBeenAppliedHint explains a write that was not repeated because its outcome is unknown.
const mayHaveBeenAppliedHint = "\n\nThe change may already have been applied in Kratos: the answer was lost, and the provider did not send the request again " +
	"because repeating it could apply it twice. The next terraform plan or apply refreshes what Kratos holds and shows what is there."

// alreadyRetried says that the provider retried, when it made more than one attempt.
func alreadyRetried(attempts int) string {
	if attempts <= 1 {
		return ""
	}
	return fmt.Sprintf("; the provider already retried (%d attempts)", attempts)
}
