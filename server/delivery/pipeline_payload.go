package delivery

import (
	"encoding/json"
	"strings"
	"time"
)

// PipelineEvent is what a pipeline hook tells CI: GitLab's pipeline webhook
// payload ("object_kind": "pipeline").
type PipelineEvent struct {
	Project Project
	// Pipeline fields.
	ID, IID    int64
	Ref        string
	SHA        string
	BeforeSHA  string
	Source     string
	Status     string
	CreatedAt  time.Time
	FinishedAt time.Time
	WebURL     string
	// MergeRequest is set for merge train (and merge request) pipelines.
	MergeRequest *MergeRequest
	User         User
	Commit       Commit
}

type pipelinePayload struct {
	ObjectKind       string                `json:"object_kind"`
	ObjectAttributes pipelineAttributes    `json:"object_attributes"`
	MergeRequest     *pipelineMergeRequest `json:"merge_request"`
	User             payloadUser           `json:"user"`
	Project          payloadRepo           `json:"project"`
	Commit           lastCommit            `json:"commit"`
	Builds           []struct{}            `json:"builds"`
}

type pipelineAttributes struct {
	ID             int64      `json:"id"`
	IID            int64      `json:"iid"`
	Name           *string    `json:"name"`
	Ref            string     `json:"ref"`
	Tag            bool       `json:"tag"`
	SHA            string     `json:"sha"`
	BeforeSHA      string     `json:"before_sha"`
	Source         string     `json:"source"`
	Status         string     `json:"status"`
	DetailedStatus string     `json:"detailed_status"`
	Stages         []string   `json:"stages"`
	CreatedAt      *string    `json:"created_at"`
	FinishedAt     *string    `json:"finished_at"`
	Duration       *int64     `json:"duration"`
	QueuedDuration *int64     `json:"queued_duration"`
	Variables      []struct{} `json:"variables"`
	URL            string     `json:"url"`
}

type pipelineMergeRequest struct {
	ID                  int64  `json:"id"`
	IID                 int64  `json:"iid"`
	Title               string `json:"title"`
	SourceBranch        string `json:"source_branch"`
	SourceProjectID     int64  `json:"source_project_id"`
	TargetBranch        string `json:"target_branch"`
	TargetProjectID     int64  `json:"target_project_id"`
	State               string `json:"state"`
	MergeStatus         string `json:"merge_status"`
	DetailedMergeStatus string `json:"detailed_merge_status"`
	URL                 string `json:"url"`
}

// PipelinePayload returns the exact JSON body of a pipeline hook.
func PipelinePayload(ev *PipelineEvent) ([]byte, error) {
	attrs := pipelineAttributes{
		ID: ev.ID, IID: ev.IID, Ref: ev.Ref, SHA: ev.SHA, BeforeSHA: ev.BeforeSHA, Source: ev.Source,
		Status: ev.Status, DetailedStatus: ev.Status, Stages: []string{}, Variables: []struct{}{},
		CreatedAt: attributeTime(ev.CreatedAt), FinishedAt: attributeTime(ev.FinishedAt), URL: ev.WebURL,
	}
	if attrs.BeforeSHA == "" {
		attrs.BeforeSHA = strings.Repeat("0", 40)
	}
	if !ev.CreatedAt.IsZero() && !ev.FinishedAt.IsZero() {
		d := int64(ev.FinishedAt.Sub(ev.CreatedAt).Seconds())
		attrs.Duration = &d
	}
	out := pipelinePayload{
		ObjectKind:       "pipeline",
		ObjectAttributes: attrs,
		User: payloadUser{ID: ev.User.ID, Name: ev.User.Name, Username: ev.User.Username,
			AvatarURL: nullable(ev.User.AvatarURL), Email: "[REDACTED]"},
		Project: projectEntity(&ev.Project),
		Commit:  commitEntity(&ev.Commit, ev.Project.WebURL),
		Builds:  []struct{}{},
	}
	if mr := ev.MergeRequest; mr != nil {
		out.MergeRequest = &pipelineMergeRequest{
			ID: mr.ID, IID: mr.IID, Title: mr.Title, SourceBranch: mr.SourceBranch, SourceProjectID: ev.Project.ID,
			TargetBranch: mr.TargetBranch, TargetProjectID: ev.Project.ID, State: mr.State,
			MergeStatus: orUnchecked(mr.MergeStatus), DetailedMergeStatus: orUnchecked(mr.DetailedMergeStatus), URL: mr.WebURL,
		}
	}
	return json.Marshal(out)
}

func orUnchecked(s string) string {
	if s == "" {
		return "unchecked"
	}
	return s
}
