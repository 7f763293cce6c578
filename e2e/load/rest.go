package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
)

// restClient calls the server's GitLab REST door with a PRIVATE-TOKEN, the
// way curl scripts do. It is for setting things up, not for load.
type restClient struct {
	base  string
	token string
	http  *http.Client
}

// call sends body as JSON and decodes a 2xx answer into out (when not nil).
func (c *restClient) call(ctx context.Context, method, path string, body, out any) error {
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return err
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, c.base+"/api/v4"+path, rd)
	if err != nil {
		return err
	}
	req.Header.Set("PRIVATE-TOKEN", c.token)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	res, err := c.http.Do(req)
	if err != nil {
		return err
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		return err
	}
	if res.StatusCode/100 != 2 {
		return fmt.Errorf("%s %s: %d %s", method, path, res.StatusCode, b)
	}
	if out == nil {
		return nil
	}
	if err := json.Unmarshal(b, out); err != nil {
		return fmt.Errorf("%s %s: %w in %s", method, path, err, b)
	}
	return nil
}

// The few fields of GitLab's entities the tool reads.
type (
	projectEntity struct {
		ID                int64  `json:"id"`
		PathWithNamespace string `json:"path_with_namespace"`
	}
	checkEntity struct {
		ID int64 `json:"id"`
	}
	mergeRequestEntity struct {
		IID int64  `json:"iid"`
		SHA string `json:"sha"`
	}
)

func (c *restClient) createProject(ctx context.Context, name string) (projectEntity, error) {
	var p projectEntity
	err := c.call(ctx, http.MethodPost, "/projects", map[string]any{"name": name}, &p)
	return p, err
}

// createCheck adds an external status check; timeoutSeconds 0 leaves the
// project's or server's timeout in force.
func (c *restClient) createCheck(ctx context.Context, projectID int64, name, url, secret string, timeoutSeconds int) (int64, error) {
	body := map[string]any{"name": name, "external_url": url, "shared_secret": secret}
	if timeoutSeconds > 0 {
		body["timeout_seconds"] = timeoutSeconds
	}
	var ch checkEntity
	err := c.call(ctx, http.MethodPost, fmt.Sprintf("/projects/%d/external_status_checks", projectID), body, &ch)
	return ch.ID, err
}

func (c *restClient) createMergeRequest(ctx context.Context, projectID int64, source, target, title string) (mergeRequestEntity, error) {
	var mr mergeRequestEntity
	err := c.call(ctx, http.MethodPost, fmt.Sprintf("/projects/%d/merge_requests", projectID),
		map[string]any{"source_branch": source, "target_branch": target, "title": title}, &mr)
	return mr, err
}
