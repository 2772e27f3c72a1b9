package provider

import (
	"context"

	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/action"
	"github.com/hashicorp/terraform-plugin-framework/action/schema"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
)

var _ action.ActionWithConfigure = (*revokeSessionsAction)(nil)

// revokeSessionsAction revokes one session or every session of an identity.
type revokeSessionsAction struct {
	operationAction
}

// NewRevokeSessionsAction returns the kratos_revoke_sessions action.
func NewRevokeSessionsAction() action.Action {
	return &revokeSessionsAction{operationAction{typeName: "revoke_sessions"}}
}

// Schema describes the action.
func (a *revokeSessionsAction) Schema(_ context.Context, _ action.SchemaRequest, resp *action.SchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: "Revokes Kratos sessions: with `identity_id` every session of that identity is deleted (for a departed or compromised user), " +
			"with `session_id` that one session is marked inactive. The session tokens and cookies are refused by Kratos at once. " +
			"The action reports what it revoked in its progress messages; an unknown identity or session is an error. " +
			"Actions need Terraform 1.14 or later; on other CLIs use the `kratos_session_revocation` resource, which does the same.",
		Attributes: map[string]schema.Attribute{
			"identity_id": schema.StringAttribute{
				Optional:            true,
				MarkdownDescription: revokeIdentityIDDescription,
				Validators:          []validator.String{uuidValidator(), stringvalidator.ExactlyOneOf(path.MatchRoot("session_id"))},
			},
			"session_id": schema.StringAttribute{
				Optional:            true,
				MarkdownDescription: revokeSessionIDDescription,
				Validators:          []validator.String{uuidValidator()},
			},
		},
	}
}

// Invoke revokes the sessions.
func (a *revokeSessionsAction) Invoke(ctx context.Context, req action.InvokeRequest, resp *action.InvokeResponse) {
	var cfg sessionRevocationInput
	client, progress := a.start(ctx, req, resp, &cfg)
	if client == nil {
		return
	}
	revokeSessions(ctx, client, cfg, progress, &resp.Diagnostics)
}
