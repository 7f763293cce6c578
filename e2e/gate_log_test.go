package e2e_test

import (
	"bufio"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/signalbox/signalbox/e2e/harness"
	signalboxv1 "github.com/signalbox/signalbox/gen/signalbox/v1"
	signalbox "github.com/signalbox/signalbox/sdk/go"
)

// TestEveryRequestLogLineNamesItsUser runs the binary with debug JSON logs
// and calls it as a developer through REST and through gRPC: the line each
// call writes names the developer. Only calls made without a (valid) token
// say user_id 0.
func TestEveryRequestLogLineNamesItsUser(t *testing.T) {
	t.Parallel()
	srv := harness.Start(t, binary, nil, "--data-dir", t.TempDir(), "--root-token", rootToken,
		"--log-level", "debug", "--log-format", "json")
	root := newRootClient(srv.URL)
	ctx := callCtx(t)
	mustDo := func(c rootClient, method, path string, body, out any) {
		t.Helper()
		status, b, err := c.do(ctx, method, path, body)
		require.NoError(t, err)
		require.Less(t, status, 300, "%s %s: %d %s", method, path, status, b)
		if out != nil {
			require.NoError(t, json.Unmarshal(b, out))
		}
	}
	var dev struct {
		ID int64 `json:"id"`
	}
	mustDo(root, "POST", "/api/v4/users", map[string]any{"username": "dev", "name": "Dev", "email": "dev@example.test", "password": "unused-password"}, &dev)
	var tok struct {
		Token string `json:"token"`
	}
	mustDo(root, "POST", fmt.Sprintf("/api/v4/users/%d/personal_access_tokens", dev.ID), map[string]any{"name": "t", "scopes": []string{"api"}}, &tok)
	mustDo(root, "POST", "/api/v4/projects", map[string]any{"path": "logged"}, nil)
	mustDo(root, "POST", "/api/v4/projects/1/members", map[string]any{"user_id": dev.ID, "access_level": 30}, nil)

	asDev := newTokenClient(srv.URL, tok.Token)
	mustDo(asDev, "GET", "/api/v4/projects/1", nil, nil)
	mustDo(asDev, "GET", "/api/v4/projects/1/members", nil, nil)
	sdk, err := signalbox.New(srv.URL, signalbox.WithToken(tok.Token), signalbox.WithGRPC())
	require.NoError(t, err)
	_, err = sdk.Projects.GetProject(ctx, &signalboxv1.GetProjectRequest{Project: "root/logged"})
	require.NoError(t, err)
	status, _, err := newTokenClient(srv.URL, "glpat-not-a-token").do(ctx, "GET", "/api/v4/projects/1", nil)
	require.NoError(t, err)
	require.Equal(t, http.StatusUnauthorized, status)

	type line struct {
		Msg       string `json:"msg"`
		Procedure string `json:"procedure"`
		Code      string `json:"code"`
		UserID    int64  `json:"user_id"`
		Username  string `json:"username"`
	}
	// scan checks every rpc line logged so far and counts the developer's
	// and the refused ones.
	scan := func() (byDev, refused int, wrong []string) {
		sc := bufio.NewScanner(strings.NewReader(srv.Output()))
		sc.Buffer(make([]byte, 1<<20), 1<<20)
		for sc.Scan() {
			var l line
			if json.Unmarshal(sc.Bytes(), &l) != nil || l.Msg != "rpc" {
				continue
			}
			switch {
			case l.Code == "unauthenticated" && l.UserID == 0:
				refused++
			case l.UserID == dev.ID && l.Username == "dev":
				byDev++
			case l.UserID == 1 && l.Username == "root":
			default:
				wrong = append(wrong, sc.Text())
			}
		}
		return byDev, refused, wrong
	}
	require.Eventually(t, func() bool {
		byDev, refused, _ := scan()
		return byDev >= 3 && refused >= 1
	}, 10*time.Second, 20*time.Millisecond, "the developer's three calls and the refused one are logged, naming their user:\n%s", srv.Output())
	_, _, wrong := scan()
	require.Empty(t, wrong, "every call here is root's, the developer's, or refused")
}
