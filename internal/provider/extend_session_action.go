package provider

import (
	"context"

	"github.com/hashicorp/terraform-plugin-framework/action"
	"github.com/hashicorp/terraform-plugin-framework/action/schema"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
)

var _ action.ActionWithConfigure = (*extendSessionAction)(nil)

// extendSessionAction extends a session by Kratos's configured lifespan.
type extendSessionAction struct {
	operationAction
}

// NewExtendSessionAction returns the kratos_extend_session action.
func NewExtendSessionAction() action.Action {
	return &extendSessionAction{operationAction{typeName: "extend_session"}}
}

// Schema describes the action.
func (a *extendSessionAction) Schema(_ context.Context, _ action.SchemaRequest, resp *action.SchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: "Extends a Kratos session: its expiry becomes now plus Kratos's `session.lifespan`. " +
			"The action reports the new expiry in its progress messages; an unknown session is an error, and a session that Kratos " +
			"did not extend, or that cannot be used (revoked, or its identity inactive), gives a warning. " +
			"Actions need Terraform 1.14 or later; on other CLIs use the `kratos_session_extension` resource, which does the same.",
		Attributes: map[string]schema.Attribute{
			"session_id": schema.StringAttribute{
				Required:            true,
				MarkdownDescription: extendSessionIDDescription,
				Validators:          []validator.String{uuidValidator()},
			},
		},
	}
}

// Invoke extends the session.
func (a *extendSessionAction) Invoke(ctx context.Context, req action.InvokeRequest, resp *action.InvokeResponse) {
	var cfg sessionExtensionInput
	client, progress := a.start(ctx, req, resp, &cfg)
	if client == nil {
		return
	}
	extendSession(ctx, client, cfg, progress, &resp.Diagnostics)
}
