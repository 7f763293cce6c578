package api_test

import (
	"testing"

	"connectrpc.com/connect/v2"
	"github.com/stretchr/testify/require"

	signalboxv1 "github.com/signalbox/signalbox/gen/signalbox/v1"
	"github.com/signalbox/signalbox/server/servertest"
)

// TestValidateStatusCheckSettingsAnswersWhatCreateWouldRefuse: the settings
// form's stand-in for the browser validator names the same rules create
// applies (a taken name, a bad URL scheme) against the stored checks, for
// the check being edited only, changes nothing, and is for maintainers.
func TestValidateStatusCheckSettingsAnswersWhatCreateWouldRefuse(t *testing.T) {
	t.Parallel()
	g := newGate(t)
	g.srv.Root(t, "POST", "/api/v4/projects/1/external_status_checks",
		map[string]any{"name": "compliance", "external_url": "https://checks.example.test/compliance"}, nil)
	ctx := as(t.Context(), servertest.RootToken)
	validate := func(req *signalboxv1.ValidateStatusCheckSettingsRequest) []*signalboxv1.StatusCheckViolation {
		t.Helper()
		req.Project = "root/p"
		res, err := g.statusChecks().ValidateStatusCheckSettings(ctx, req)
		require.NoError(t, err)
		return res.GetViolations()
	}
	rules := func(vs []*signalboxv1.StatusCheckViolation) []string {
		var out []string
		for _, v := range vs {
			out = append(out, v.GetField()+":"+v.GetRule())
		}
		return out
	}

	require.Equal(t, []string{"name:status_check.name_taken", "external_url:status_check.external_url_scheme"},
		rules(validate(&signalboxv1.ValidateStatusCheckSettingsRequest{Name: "compliance", ExternalUrl: "ftp://checks.example.test/x"})))
	require.Empty(t, validate(&signalboxv1.ValidateStatusCheckSettingsRequest{Name: "security", ExternalUrl: "https://checks.example.test/security"}))
	// Editing the stored check itself: its own name is not taken.
	list, err := g.statusChecks().ListStatusChecks(ctx, &signalboxv1.ListStatusChecksRequest{Project: "root/p"})
	require.NoError(t, err)
	require.Len(t, list.GetChecks(), 1, "validating created nothing")
	require.Empty(t, validate(&signalboxv1.ValidateStatusCheckSettingsRequest{
		CheckId: list.GetChecks()[0].GetId(), Name: "compliance", ExternalUrl: "https://checks.example.test/compliance",
	}))

	_, dev := g.user(t, "dev", 30, "")
	_, err = g.statusChecks().ValidateStatusCheckSettings(as(t.Context(), dev), &signalboxv1.ValidateStatusCheckSettingsRequest{Project: "root/p", Name: "x"})
	require.Equal(t, connect.CodePermissionDenied, connect.CodeOf(err), "%v", err)
}
