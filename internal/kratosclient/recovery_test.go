package kratosclient_test

import (
	"fmt"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/kratos-tf/terraform-provider-kratos/internal/kratosclient"
	"github.com/kratos-tf/terraform-provider-kratos/internal/kratostest"
)

// expiresWithin fails unless the RFC 3339 time at is d from now, give or take a minute.
func expiresWithin(t *testing.T, at string, d time.Duration) {
	t.Helper()
	exp, err := time.Parse(time.RFC3339, at)
	if err != nil {
		t.Fatalf("expires_at %q: %v", at, err)
	}
	if left := time.Until(exp); left < d-time.Minute || left > d+time.Minute {
		t.Errorf("expires_at %s is %v away, want about %v", at, left.Round(time.Second), d)
	}
}

func TestCreateRecoveryCodeForIdentity(t *testing.T) {
	c, counter := newClient(t)
	ctx := t.Context()
	id := createIdentity(t, c, uniqueEmail(t, "rc"), "")

	rc, err := c.CreateRecoveryCodeForIdentity(ctx, kratosclient.CreateRecoveryCodeBody{IdentityID: id.ID}, "")
	if err != nil {
		t.Fatal(err)
	}
	counter.wantLastStatus(t, "POST /admin/recovery/code", http.StatusCreated)
	if !regexp.MustCompile(`^\d{6}$`).MatchString(rc.RecoveryCode) {
		t.Errorf("recovery code is not six digits")
	}
	if !strings.HasPrefix(rc.RecoveryLink, kratostest.UIURL+"/recovery?flow=") {
		t.Errorf("recovery link %q does not point at the recovery UI", rc.RecoveryLink)
	}
	expiresWithin(t, rc.ExpiresAt, time.Hour)
	if s := fmt.Sprint(rc, *rc); strings.Contains(s, rc.RecoveryCode) || strings.Contains(s, rc.RecoveryLink) {
		t.Errorf("printing a RecoveryCode shows its secrets: %s", s)
	}
	if err := kratos.CompleteRecoveryCode(ctx, rc.RecoveryLink, rc.RecoveryCode); err != nil {
		t.Errorf("the code does not complete recovery: %v", err)
	}

	rc, err = c.CreateRecoveryCodeForIdentity(ctx, kratosclient.CreateRecoveryCodeBody{IdentityID: id.ID, ExpiresIn: "15m", FlowType: "api"}, kratostest.UIURL+"/done")
	if err != nil {
		t.Fatal(err)
	}
	expiresWithin(t, rc.ExpiresAt, 15*time.Minute)
	if err := kratos.CompleteRecoveryCode(ctx, rc.RecoveryLink, rc.RecoveryCode); err != nil {
		t.Errorf("the api-flow code does not complete recovery: %v", err)
	}

	_, err = c.CreateRecoveryCodeForIdentity(ctx, kratosclient.CreateRecoveryCodeBody{IdentityID: unknownUUID}, "")
	e := wantStatus(t, "unknown identity", err, http.StatusNotFound)
	if !strings.Contains(e.Detail(), "could not find identity") {
		t.Errorf("detail %q", e.Detail())
	}
	_, err = c.CreateRecoveryCodeForIdentity(ctx, kratosclient.CreateRecoveryCodeBody{IdentityID: id.ID, ExpiresIn: "soon"}, "")
	wantStatus(t, "bad expires_in", err, http.StatusBadRequest)
	wantReason(t, "bad expires_in", err, kratosclient.IsExpiryRejected)
	_, err = c.CreateRecoveryCodeForIdentity(ctx, kratosclient.CreateRecoveryCodeBody{IdentityID: id.ID, FlowType: "native"}, "")
	wantStatus(t, "bad flow_type", err, http.StatusBadRequest)
	_, err = c.CreateRecoveryCodeForIdentity(ctx, kratosclient.CreateRecoveryCodeBody{IdentityID: id.ID}, "https://evil.example/")
	wantStatus(t, "return_to not allowed", err, http.StatusBadRequest)
	wantReason(t, "return_to not allowed", err, kratosclient.IsReturnURLRejected)
}

func TestCreateRecoveryLinkForIdentity(t *testing.T) {
	c, counter := newClient(t)
	ctx := t.Context()
	id := createIdentity(t, c, uniqueEmail(t, "rl"), "")

	rl, err := c.CreateRecoveryLinkForIdentity(ctx, kratosclient.CreateRecoveryLinkBody{IdentityID: id.ID, ExpiresIn: "30m"}, "")
	if err != nil {
		t.Fatal(err)
	}
	counter.wantLastStatus(t, "POST /admin/recovery/link", http.StatusOK)
	if !regexp.MustCompile(`^` + regexp.QuoteMeta(kratos.PublicURL) + `/self-service/recovery\?flow=[0-9a-f-]{36}&token=[A-Za-z0-9]{32}$`).MatchString(rl.RecoveryLink) {
		t.Errorf("recovery link does not have the documented shape")
	}
	expiresWithin(t, rl.ExpiresAt, 30*time.Minute)
	if s := fmt.Sprint(rl, *rl); strings.Contains(s, rl.RecoveryLink) {
		t.Errorf("printing a RecoveryLink shows it: %s", s)
	}
	if err := kratos.CompleteRecoveryLink(ctx, rl.RecoveryLink); err != nil {
		t.Errorf("the link does not complete recovery: %v", err)
	}

	_, err = c.CreateRecoveryLinkForIdentity(ctx, kratosclient.CreateRecoveryLinkBody{IdentityID: unknownUUID}, "")
	wantStatus(t, "unknown identity", err, http.StatusBadRequest)
	wantReason(t, "unknown identity", err, kratosclient.IsUnknownRecoveryIdentity)
	_, err = c.CreateRecoveryLinkForIdentity(ctx, kratosclient.CreateRecoveryLinkBody{IdentityID: id.ID, ExpiresIn: "-5m"}, "")
	wantStatus(t, "negative expires_in", err, http.StatusBadRequest)
	wantReason(t, "negative expires_in", err, kratosclient.IsExpiryRejected)

	t.Run("disabled is 404", func(t *testing.T) {
		off := false
		inst, err := kratostest.Start(ctx, kratostest.Options{LinkRecovery: &off})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() {
			if err := inst.Stop(); err != nil {
				t.Errorf("stop: %v", err)
			}
		})
		dc, err := kratosclient.New(inst.AdminURL, kratosclient.WithMaxRetries(0))
		if err != nil {
			t.Fatal(err)
		}
		other, err := dc.CreateIdentity(ctx, kratosclient.CreateIdentityBody{Traits: rawJSON(t, map[string]any{"email": uniqueEmail(t, "off")})})
		if err != nil {
			t.Fatal(err)
		}
		_, err = dc.CreateRecoveryLinkForIdentity(ctx, kratosclient.CreateRecoveryLinkBody{IdentityID: other.ID}, "")
		wantStatus(t, "link method disabled", err, http.StatusNotFound)
		wantReason(t, "link method disabled", err, kratosclient.IsMethodDisabled)
		// The code method stays on, so the code endpoint still works on that instance.
		if _, err := dc.CreateRecoveryCodeForIdentity(ctx, kratosclient.CreateRecoveryCodeBody{IdentityID: other.ID}, ""); err != nil {
			t.Errorf("code recovery on the link-disabled instance: %v", err)
		}
	})
}
