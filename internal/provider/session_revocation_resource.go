package provider

import (
	"context"
	"time"

	"github.com/google/uuid"
	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"
)

var _ resource.ResourceWithConfigure = (*sessionRevocationResource)(nil)

// sessionRevocationResource revokes sessions when it is created, as kratos_revoke_sessions does.
type sessionRevocationResource struct {
	triggerResource
}

// sessionRevocationModel is the state of kratos_session_revocation.
type sessionRevocationModel struct {
	sessionRevocationInput
	ID        types.String `tfsdk:"id"`
	Triggers  types.Map    `tfsdk:"triggers"`
	RevokedAt types.String `tfsdk:"revoked_at"`
}

// NewSessionRevocationResource returns the kratos_session_revocation resource.
func NewSessionRevocationResource() resource.Resource {
	return &sessionRevocationResource{triggerResource{typeName: "session_revocation"}}
}

// Schema describes the resource.
func (r *sessionRevocationResource) Schema(_ context.Context, _ resource.SchemaRequest, resp *resource.SchemaResponse) {
	attrs := triggerAttributes("A random UUID that identifies this revocation.")
	attrs["identity_id"] = schema.StringAttribute{
		Optional:            true,
		MarkdownDescription: revokeIdentityIDDescription + " Changing it revokes again.",
		Validators:          []validator.String{uuidValidator(), stringvalidator.ExactlyOneOf(path.MatchRoot("session_id"))},
		PlanModifiers:       replaceOnChange(),
	}
	attrs["session_id"] = schema.StringAttribute{
		Optional:            true,
		MarkdownDescription: revokeSessionIDDescription + " Changing it revokes again.",
		Validators:          []validator.String{uuidValidator()},
		PlanModifiers:       replaceOnChange(),
	}
	attrs["revoked_at"] = schema.StringAttribute{
		Computed:            true,
		MarkdownDescription: "When the provider revoked the sessions (RFC 3339, UTC).",
	}
	resp.Schema = schema.Schema{
		MarkdownDescription: "Revokes Kratos sessions as an operation that works on every CLI: the same as the `kratos_revoke_sessions` action " +
			"(Terraform 1.14 and later), as a resource. **Create** revokes: with `identity_id` every session of that identity is deleted, " +
			"with `session_id` that one session is marked inactive; their tokens and cookies are refused at once. Every argument forces " +
			"replacement, so changing `triggers` (or the ID) revokes again, for example when an identity is deactivated. " +
			"**Read** keeps the recorded result: there is nothing to read back. **Delete** only removes the resource from the state; " +
			"revoked sessions stay revoked. An unknown identity or session fails the apply.",
		Attributes: attrs,
	}
}

// Create revokes the sessions and records when.
func (r *sessionRevocationResource) Create(ctx context.Context, req resource.CreateRequest, resp *resource.CreateResponse) {
	var m sessionRevocationModel
	client, progress := r.start(ctx, req.Plan, &m, &resp.Diagnostics)
	if client == nil {
		return
	}
	at := revokeSessions(ctx, client, m.sessionRevocationInput, progress, &resp.Diagnostics)
	if resp.Diagnostics.HasError() {
		return
	}
	m.ID = types.StringValue(uuid.NewString())
	m.RevokedAt = types.StringValue(at.Format(time.RFC3339))
	resp.Diagnostics.Append(resp.State.Set(ctx, &m)...)
}
