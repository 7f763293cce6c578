package user_test

import (
	"bytes"
	"log/slog"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/signalbox/signalbox/server/clock"
	"github.com/signalbox/signalbox/server/store/redisstore"
	"github.com/signalbox/signalbox/server/store/redistest"
	"github.com/signalbox/signalbox/server/user"
)

// TestRootTokenReplacementIsLogged: restarting with another --root-token
// revokes the old one and says so in the log; the same token again says
// nothing.
func TestRootTokenReplacementIsLogged(t *testing.T) {
	t.Parallel()
	r := redistest.New(t)
	st := redisstore.New(r.Client(t), redisstore.WithKeyPrefix(redistest.Prefix(t)))
	var logs bytes.Buffer
	users := user.NewService(st.Users(), clock.Real{}, slog.New(slog.NewTextHandler(&logs, nil)))
	ctx := t.Context()

	_, err := users.Bootstrap(ctx, "glpat-first-root-token")
	require.NoError(t, err)
	_, err = users.Bootstrap(ctx, "glpat-first-root-token")
	require.NoError(t, err)
	require.NotContains(t, logs.String(), "replaced the root token", "the same token is no replacement")

	_, err = users.Bootstrap(ctx, "glpat-second-root-token")
	require.NoError(t, err)
	require.Contains(t, logs.String(), "--root-token replaced the root token")
	require.NotContains(t, logs.String(), "glpat-", "no token in the log")
	_, err = users.Authenticate(ctx, "glpat-first-root-token")
	require.Error(t, err, "the old token no longer works")
}
