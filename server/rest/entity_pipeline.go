package rest

import (
	signalboxv1 "github.com/signalbox/signalbox/gen/signalbox/v1"
)

// pipelineBasic is GitLab's PipelineBasic entity, nested in merge train
// cars.
type pipelineBasic struct {
	ID        int64      `json:"id"`
	IID       int64      `json:"iid"`
	ProjectID int64      `json:"project_id"`
	SHA       string     `json:"sha"`
	Ref       string     `json:"ref"`
	Status    string     `json:"status"`
	Source    string     `json:"source"`
	CreatedAt gitlabTime `json:"created_at"`
	UpdatedAt gitlabTime `json:"updated_at"`
	WebURL    string     `json:"web_url"`
}

// pipeline is GitLab's Pipeline entity: one pipeline, and a merge
// request's head pipeline.
type pipeline struct {
	pipelineBasic
	BeforeSHA      string         `json:"before_sha"`
	Tag            bool           `json:"tag"`
	YAMLErrors     *string        `json:"yaml_errors"`
	User           *userBasic     `json:"user"`
	StartedAt      gitlabTime     `json:"started_at"`
	FinishedAt     gitlabTime     `json:"finished_at"`
	CommittedAt    gitlabTime     `json:"committed_at"`
	Duration       *int64         `json:"duration"`
	QueuedDuration *int64         `json:"queued_duration"`
	Coverage       *string        `json:"coverage"`
	DetailedStatus detailedStatus `json:"detailed_status"`
	Archived       bool           `json:"archived"`
}

// detailedStatus is how GitLab's UI words a pipeline status.
type detailedStatus struct {
	Icon         string    `json:"icon"`
	Text         string    `json:"text"`
	Label        string    `json:"label"`
	Group        string    `json:"group"`
	Tooltip      string    `json:"tooltip"`
	HasDetails   bool      `json:"has_details"`
	DetailsPath  string    `json:"details_path"`
	Illustration *struct{} `json:"illustration"`
	Favicon      string    `json:"favicon"`
}

func pipelineStatusName(s signalboxv1.PipelineStatus) string {
	return enumName(s.String(), "PIPELINE_STATUS_")
}

func newPipelineBasic(p *signalboxv1.Pipeline) *pipelineBasic {
	if p == nil {
		return nil
	}
	return &pipelineBasic{
		ID: p.GetId(), IID: p.GetIid(), ProjectID: p.GetProjectId(), SHA: p.GetSha(), Ref: p.GetRef(),
		Status: pipelineStatusName(p.GetStatus()), Source: p.GetSource(),
		CreatedAt: ts(p.GetCreateTime()), UpdatedAt: ts(p.GetUpdateTime()), WebURL: p.GetWebUrl(),
	}
}

func newPipeline(p *signalboxv1.Pipeline, externalURL string) *pipeline {
	if p == nil {
		return nil
	}
	out := &pipeline{
		pipelineBasic: *newPipelineBasic(p),
		BeforeSHA:     p.GetBeforeSha(),
		User:          newUserBasic(p.GetUser()),
		StartedAt:     ts(p.GetStartTime()),
		FinishedAt:    ts(p.GetFinishTime()),
		DetailedStatus: newDetailedStatus(p.GetStatus(),
			trimHost(p.GetWebUrl(), externalURL)),
	}
	if out.BeforeSHA == "" {
		out.BeforeSHA = zeroSHA
	}
	if p.GetStartTime() != nil && p.GetFinishTime() != nil {
		d := int64(p.GetFinishTime().AsTime().Sub(p.GetStartTime().AsTime()).Seconds())
		out.Duration = &d
	}
	if p.GetStartTime() != nil {
		q := int64(p.GetStartTime().AsTime().Sub(p.GetCreateTime().AsTime()).Seconds())
		out.QueuedDuration = &q
	}
	return out
}

// zeroSHA is GitLab's before_sha of a pipeline with no previous commit.
const zeroSHA = "0000000000000000000000000000000000000000"

func trimHost(url, externalURL string) string {
	if len(url) >= len(externalURL) && url[:len(externalURL)] == externalURL {
		return url[len(externalURL):]
	}
	return url
}

// newDetailedStatus words a status as GitLab's status presenters do.
func newDetailedStatus(s signalboxv1.PipelineStatus, path string) detailedStatus {
	name := pipelineStatusName(s)
	text := name
	switch s {
	case signalboxv1.PipelineStatus_PIPELINE_STATUS_SUCCESS:
		text = "passed"
	case signalboxv1.PipelineStatus_PIPELINE_STATUS_CANCELED:
		text = "canceled"
	}
	return detailedStatus{
		Icon: "status_" + name, Text: text, Label: text, Group: name, Tooltip: text,
		HasDetails: true, DetailsPath: path, Favicon: "/assets/ci_favicons/favicon_status_" + name + ".png",
	}
}

// commitStatus is GitLab's CommitStatus entity: one CI job's report on a
// commit.
type commitStatus struct {
	ID           int64      `json:"id"`
	SHA          string     `json:"sha"`
	Ref          string     `json:"ref"`
	Status       string     `json:"status"`
	Name         string     `json:"name"`
	TargetURL    *string    `json:"target_url"`
	Description  *string    `json:"description"`
	CreatedAt    gitlabTime `json:"created_at"`
	StartedAt    gitlabTime `json:"started_at"`
	FinishedAt   gitlabTime `json:"finished_at"`
	AllowFailure bool       `json:"allow_failure"`
	Coverage     *float64   `json:"coverage"`
	PipelineID   int64      `json:"pipeline_id"`
	Author       *userBasic `json:"author"`
}

func optionalString(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

func newCommitStatus(s *signalboxv1.CommitStatus) commitStatus {
	return commitStatus{
		ID: s.GetId(), SHA: s.GetSha(), Ref: s.GetRef(), Status: pipelineStatusName(s.GetStatus()), Name: s.GetName(),
		TargetURL: optionalString(s.GetTargetUrl()), Description: optionalString(s.GetDescription()),
		CreatedAt: ts(s.GetCreateTime()), StartedAt: ts(s.GetStartTime()), FinishedAt: ts(s.GetFinishTime()),
		AllowFailure: s.GetAllowFailure(), PipelineID: s.GetPipelineId(), Author: newUserBasic(s.GetAuthor()),
	}
}

// projectHook is GitLab's ProjectHook entity, the subset of events
// Signalbox sends; the others are always false.
type projectHook struct {
	ID                        int64      `json:"id"`
	URL                       string     `json:"url"`
	Name                      string     `json:"name"`
	Description               string     `json:"description"`
	CreatedAt                 gitlabTime `json:"created_at"`
	PushEvents                bool       `json:"push_events"`
	TagPushEvents             bool       `json:"tag_push_events"`
	MergeRequestsEvents       bool       `json:"merge_requests_events"`
	RepositoryUpdateEvents    bool       `json:"repository_update_events"`
	EnableSSLVerification     bool       `json:"enable_ssl_verification"`
	AlertStatus               string     `json:"alert_status"`
	DisabledUntil             gitlabTime `json:"disabled_until"`
	URLVariables              []struct{} `json:"url_variables"`
	PushEventsBranchFilter    *string    `json:"push_events_branch_filter"`
	BranchFilterStrategy      string     `json:"branch_filter_strategy"`
	CustomWebhookTemplate     *string    `json:"custom_webhook_template"`
	CustomHeaders             []struct{} `json:"custom_headers"`
	ProjectID                 int64      `json:"project_id"`
	IssuesEvents              bool       `json:"issues_events"`
	ConfidentialIssuesEvents  bool       `json:"confidential_issues_events"`
	NoteEvents                bool       `json:"note_events"`
	ConfidentialNoteEvents    bool       `json:"confidential_note_events"`
	PipelineEvents            bool       `json:"pipeline_events"`
	WikiPageEvents            bool       `json:"wiki_page_events"`
	DeploymentEvents          bool       `json:"deployment_events"`
	FeatureFlagEvents         bool       `json:"feature_flag_events"`
	JobEvents                 bool       `json:"job_events"`
	ReleasesEvents            bool       `json:"releases_events"`
	MilestoneEvents           bool       `json:"milestone_events"`
	EmojiEvents               bool       `json:"emoji_events"`
	ResourceAccessTokenEvents bool       `json:"resource_access_token_events"`
	VulnerabilityEvents       bool       `json:"vulnerability_events"`
}

func newProjectHook(h *signalboxv1.ProjectHook) projectHook {
	return projectHook{
		ID: h.GetId(), URL: h.GetUrl(), CreatedAt: ts(h.GetCreateTime()),
		PushEvents: h.GetPushEvents(), MergeRequestsEvents: h.GetMergeRequestsEvents(),
		EnableSSLVerification: h.GetEnableSslVerification(), AlertStatus: "executable",
		URLVariables: []struct{}{}, BranchFilterStrategy: "wildcard", CustomHeaders: []struct{}{},
		ProjectID: h.GetProjectId(), PipelineEvents: h.GetPipelineEvents(),
	}
}
