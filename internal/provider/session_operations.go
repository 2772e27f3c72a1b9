package provider

import (
	"context"
	"fmt"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/kratos-tf/terraform-provider-kratos/internal/kratosclient"
)

// sessionRevocationInput is the configuration of kratos_revoke_sessions, shared by kratos_session_revocation.
type sessionRevocationInput struct {
	IdentityID types.String `tfsdk:"identity_id"`
	SessionID  types.String `tfsdk:"session_id"`
}

// sessionExtensionInput is the configuration of kratos_extend_session, shared by kratos_session_extension.
type sessionExtensionInput struct {
	SessionID types.String `tfsdk:"session_id"`
}

// revokeSessions revokes one session or every session of an identity and returns when it did.
func revokeSessions(ctx context.Context, client *kratosclient.Client, in sessionRevocationInput, progress progressFunc, diags *diag.Diagnostics) time.Time {
	if !in.SessionID.IsNull() {
		id := in.SessionID.ValueString()
		s, err := client.GetSession(ctx, id, kratosclient.ExpandIdentity)
		if err == nil {
			err = client.DisableSession(ctx, id)
		}
		if kratosclient.IsNotFound(err) {
			addSessionNotFound(diags, path.Root("session_id"), id)
			return time.Time{}
		}
		if err != nil {
			addClientError(diags, "Unable to Revoke Session", err)
			return time.Time{}
		}
		was := "it was active"
		if !s.Active {
			was = "it was already inactive (revoked, expired or its identity deactivated)"
		}
		progress(ctx, fmt.Sprintf("Revoked session %s of identity %s; %s.", id, sessionIdentityID(s), was))
		return time.Now().UTC()
	}

	id := in.IdentityID.ValueString()
	if _, err := client.GetIdentity(ctx, id); err != nil {
		addIdentityError(diags, "Unable to Revoke Sessions", id, err)
		return time.Time{}
	}
	sessions, err := kratosclient.Collect(client.ListIdentitySessions(ctx, id, kratosclient.ListIdentitySessionsParams{}))
	if err != nil {
		addClientError(diags, "Unable to Revoke Sessions", err)
		return time.Time{}
	}
	if err := client.DeleteIdentitySessions(ctx, id); err != nil {
		addClientError(diags, "Unable to Revoke Sessions", err)
		return time.Time{}
	}
	active := 0
	for _, s := range sessions {
		if s.Active {
			active++
		}
	}
	switch len(sessions) {
	case 0:
		progress(ctx, fmt.Sprintf("Identity %s had no sessions; there was nothing to revoke.", id))
	case 1:
		progress(ctx, fmt.Sprintf("Deleted the one session of identity %s (%d active); its token and cookie no longer work.", id, active))
	default:
		progress(ctx, fmt.Sprintf("Deleted the %d sessions of identity %s (%d of them active); their tokens and cookies no longer work.", len(sessions), id, active))
	}
	return time.Now().UTC()
}

// extendSession extends a session and returns its new expiry as Kratos reports it.
func extendSession(ctx context.Context, client *kratosclient.Client, in sessionExtensionInput, progress progressFunc, diags *diag.Diagnostics) string {
	id := in.SessionID.ValueString()
	before, err := client.GetSession(ctx, id)
	var after *kratosclient.Session
	if err == nil {
		after, err = client.ExtendSession(ctx, id)
	}
	if err == nil && after == nil {
		// Kratos's faster_session_extend feature flag answers 204 without the session.
		after, err = client.GetSession(ctx, id, kratosclient.ExpandIdentity)
	}
	if kratosclient.IsNotFound(err) {
		addSessionNotFound(diags, path.Root("session_id"), id)
		return ""
	}
	if err != nil {
		addClientError(diags, "Unable to Extend Session", err)
		return ""
	}
	if !isAfter(after.ExpiresAt, before.ExpiresAt) {
		diags.AddAttributeWarning(path.Root("session_id"), "Session not extended",
			fmt.Sprintf("Kratos accepted the extension of session %s but left it expiring at %s: its session.earliest_possible_extend "+
				"setting allows an extension only shortly before the session expires. Extend it again closer to that time.", id, after.ExpiresAt))
	} else {
		progress(ctx, fmt.Sprintf("Extended session %s of identity %s: it now expires at %s instead of %s.", id, sessionIdentityID(after), after.ExpiresAt, before.ExpiresAt))
	}
	if !after.Active {
		diags.AddAttributeWarning(path.Root("session_id"), "Extended session is not active",
			fmt.Sprintf("Session %s is revoked or its identity is not active: Kratos moved its expiry, but the session still cannot be used. "+
				"The user has to sign in again.", id))
	}
	return after.ExpiresAt
}

// isAfter reports whether the RFC 3339 time a is after b; an unparsable time counts as not later.
func isAfter(a, b string) bool {
	ta, errA := time.Parse(time.RFC3339Nano, a)
	tb, errB := time.Parse(time.RFC3339Nano, b)
	return errA == nil && errB == nil && ta.After(tb)
}

// sessionIdentityID is the ID of the session's identity, when Kratos expanded it.
func sessionIdentityID(s *kratosclient.Session) string {
	if s.Identity == nil {
		return "(not expanded)"
	}
	return s.Identity.ID
}

// addSessionNotFound reports an unknown session on the attribute that names it.
func addSessionNotFound(diags *diag.Diagnostics, p path.Path, id string) {
	diags.AddAttributeError(p, "Session not found",
		fmt.Sprintf("Kratos has no session %s (it answered 404), so nothing was done. Check the ID; the kratos_sessions and "+
			"kratos_identity_sessions data sources list existing sessions. Revoking an identity's sessions deletes them.", id))
}
