package rest_test

import (
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/signalbox/signalbox/server/servertest"
)

// TestFiftyConcurrentCreatesOneWins: 50 clients create a check with the same
// name at once, on a real Redis. Exactly one gets 201, the other 49 get 422
// "Name has already been taken", and one record is stored.
func TestFiftyConcurrentCreatesOneWins(t *testing.T) {
	t.Parallel()
	srv := servertest.New(t)
	post := func(path, body string) (int, string) {
		req, err := http.NewRequest(http.MethodPost, srv.URL+path, strings.NewReader(body))
		require.NoError(t, err)
		req.Header.Set("PRIVATE-TOKEN", servertest.RootToken)
		req.Header.Set("Content-Type", "application/json")
		res, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		return res.StatusCode, string(b)
	}
	status, body := post("/api/v4/projects", `{"name":"race"}`)
	require.Equal(t, http.StatusCreated, status, body)

	const n = 50
	statuses := make([]int, n)
	bodies := make([]string, n)
	var start, wg sync.WaitGroup
	start.Add(1)
	for i := range n {
		wg.Go(func() {
			start.Wait()
			statuses[i], bodies[i] = post("/api/v4/projects/1/external_status_checks",
				fmt.Sprintf(`{"name":"same","external_url":"https://x.example.test/%d"}`, i))
		})
	}
	start.Done()
	wg.Wait()
	created := 0
	for i, s := range statuses {
		switch s {
		case http.StatusCreated:
			created++
		case http.StatusUnprocessableEntity:
			require.Equal(t, `{"message":["Name has already been taken"]}`, bodies[i])
		default:
			t.Fatalf("unexpected %d %s", s, bodies[i])
		}
	}
	require.Equal(t, 1, created)

	req, err := http.NewRequest(http.MethodGet, srv.URL+"/api/v4/projects/1/external_status_checks", nil)
	require.NoError(t, err)
	req.Header.Set("PRIVATE-TOKEN", servertest.RootToken)
	res, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer res.Body.Close()
	require.Equal(t, "1", res.Header.Get("X-Total"), "exactly one record is stored")
}
