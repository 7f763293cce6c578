package rest_test

import (
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/signalbox/signalbox/server/rest"
	"github.com/signalbox/signalbox/server/servertest"
)

// TestBodyLimit: a body over the limit gets GitLab's 413, whatever its
// format and whether its length is declared; a body of exactly the limit is
// read. The golden archives cannot hold a body this size, hence a test of
// its own.
func TestBodyLimit(t *testing.T) {
	t.Parallel()
	srv := servertest.New(t)
	post := func(contentType string, body io.Reader, chunked bool) (int, string, string) {
		t.Helper()
		req, err := http.NewRequestWithContext(t.Context(), http.MethodPost, srv.URL+"/api/v4/projects", body)
		require.NoError(t, err)
		if chunked {
			req.ContentLength = -1 // no Content-Length: the server finds out by reading
		}
		req.Header.Set("PRIVATE-TOKEN", servertest.RootToken)
		req.Header.Set("Content-Type", contentType)
		res, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		defer res.Body.Close()
		b, err := io.ReadAll(res.Body)
		require.NoError(t, err)
		return res.StatusCode, res.Header.Get("Content-Type"), string(b)
	}
	// padded is a JSON or form body of exactly n bytes that creates a
	// project named name.
	padded := func(contentType, name string, n int) string {
		var head string
		if contentType == "application/json" {
			head = `{"name":"` + name + `"}`
		} else {
			head = "name=" + name + "&"
		}
		return head + strings.Repeat(" ", n-len(head))
	}

	for _, ct := range []string{"application/json", "application/x-www-form-urlencoded"} {
		for _, chunked := range []bool{false, true} {
			over := padded(ct, "over", rest.DefaultMaxBodyBytes+1)
			status, gotCT, body := post(ct, strings.NewReader(over), chunked)
			require.Equal(t, http.StatusRequestEntityTooLarge, status, "%s chunked=%v: %s", ct, chunked, body)
			require.Equal(t, "application/json", gotCT)
			require.Equal(t, `{"message":"413 Request Entity Too Large"}`, body)
		}
		name := "exact" + strings.ReplaceAll(strings.TrimPrefix(ct, "application/"), "-", "")
		status, _, body := post(ct, strings.NewReader(padded(ct, name, rest.DefaultMaxBodyBytes)), false)
		require.Equal(t, http.StatusCreated, status, "%s body of exactly the limit: %s", ct, body)
		require.Contains(t, body, `"name":"`+name+`"`)
	}

	// Far over the limit: the answer still comes, and nothing was created.
	status, _, body := post("application/json", strings.NewReader(padded("application/json", "huge", 8*rest.DefaultMaxBodyBytes)), false)
	require.Equal(t, http.StatusRequestEntityTooLarge, status, body)
	require.Equal(t, `{"message":"413 Request Entity Too Large"}`, body)
	req, err := http.NewRequestWithContext(t.Context(), http.MethodGet, srv.URL+"/api/v4/projects", nil)
	require.NoError(t, err)
	req.Header.Set("PRIVATE-TOKEN", servertest.RootToken)
	res, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer res.Body.Close()
	list, err := io.ReadAll(res.Body)
	require.NoError(t, err)
	require.Equal(t, 2, strings.Count(string(list), `"path_with_namespace"`), "only the two bodies of exactly the limit created a project")
	require.NotContains(t, string(list), "over")
	require.NotContains(t, string(list), "huge")
}
