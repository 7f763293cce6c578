package delivery

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"
)

// MaxPayloadBytes is the largest body a check is sent, GitLab's limit for
// external status check payloads.
const MaxPayloadBytes = 25 << 20

// VisibilityLevel is GitLab's numeric project visibility, as webhook payloads
// carry it in "visibility_level".
type VisibilityLevel int

// The visibility levels.
const (
	VisibilityPrivate  VisibilityLevel = 0
	VisibilityInternal VisibilityLevel = 10
	VisibilityPublic   VisibilityLevel = 20
)

// Event is what the caller knows about one merge request event for one
// check: everything [Payload] needs to build GitLab's merge request webhook
// body. It holds no secret, by construction.
type Event struct {
	// Project is the merge request's project, both its source and target.
	Project Project
	// MergeRequest is the merge request as it is now.
	MergeRequest MergeRequest
	// User is who caused the event.
	User User
	// Commit is the head of the source branch: the sha the check answers
	// for.
	Commit Commit
	// Action is GitLab's action: "open", "update", "close", "reopen",
	// "merge", "approved", "unapproved", ... It is empty when a check is
	// retried, since GitLab sends no action then, and the field is left out.
	Action string
	// OldRev is the previous head when the event is a push to the source
	// branch (action "update"); empty otherwise, and the field is left out.
	OldRev string
	// Check is the external status check being asked.
	Check Check
	// Changes are the attributes the event changed, in the payload's
	// "changes" as {previous, current}; empty for an event that changed
	// none (a push, a comment, a retry).
	Changes []Change
	// MergeTrain, when set, makes the event about a merge train car's
	// commit (status checks that follow the train, a Signalbox extension):
	// the payload gets a top-level "merge_train" object, and the check
	// answers for MergeTrain.CarSHA.
	MergeTrain *MergeTrain
}

// Change is one changed attribute. Previous and Current are strings,
// integers, booleans, time.Time (written as attribute times) or nil.
type Change struct {
	Name              string
	Previous, Current any
}

// MergeTrain is the merge train car a payload asks about.
type MergeTrain struct {
	CarID int64
	// TrainRef holds the car's commit: refs/merge-requests/<iid>/train.
	TrainRef string
	// CarSHA is the commit that lands if the car merges.
	CarSHA       string
	TargetBranch string
	// Position is the car's place on the train, 1 for the next to land; 0
	// in an obsolete notice.
	Position int
}

// Project describes a project as payloads show it.
type Project struct {
	ID          int64
	Name        string
	Description string
	// PathWithNamespace is the full path, such as "root/demo".
	PathWithNamespace string
	// Namespace is the namespace's display name; empty means the first
	// segment of PathWithNamespace.
	Namespace string
	// WebURL is the project's page, such as "https://signalbox.example/root/demo".
	WebURL string
	// HTTPURL is the clone URL over HTTP(S), ending in ".git".
	HTTPURL string
	// SSHURL is the clone URL over SSH; empty when there is none, and then
	// the SSH fields are null and the legacy "url" fields use HTTPURL.
	SSHURL        string
	DefaultBranch string
	Visibility    VisibilityLevel
}

// MergeRequest describes a merge request as payloads show it.
type MergeRequest struct {
	// ID is global; IID is per project.
	ID  int64
	IID int64
	// Title and Description are as the author wrote them.
	Title       string
	Description string
	// State is "opened", "closed", "merged" or "locked".
	State        string
	SourceBranch string
	TargetBranch string
	AuthorID     int64
	CreatedAt    time.Time
	UpdatedAt    time.Time
	// WebURL is the merge request's page.
	WebURL string
	// MergeStatus is GitLab's legacy merge status, such as "can_be_merged";
	// empty means "unchecked".
	MergeStatus string
	// DetailedMergeStatus is such as "mergeable" or
	// "status_checks_must_pass"; empty means "unchecked".
	DetailedMergeStatus string
	Draft               bool
	// MergeCommitSHA is set once merged; empty is null.
	MergeCommitSHA string
	// LastEditedAt and LastEditedByID tell of the last change to the title
	// or description; zero is null.
	LastEditedAt   time.Time
	LastEditedByID int64
	// UpdatedByID made the last change; zero is null.
	UpdatedByID int64
}

// User describes the acting user. Payloads show the email as "[REDACTED]",
// as GitLab does, so there is no field for it.
type User struct {
	ID       int64
	Name     string
	Username string
	// AvatarURL is empty for null.
	AvatarURL string
}

// Commit describes the head commit.
type Commit struct {
	SHA string
	// Message is the full message; its first line is the title.
	Message string
	// Timestamp is the author date, written with its own UTC offset.
	Timestamp   time.Time
	AuthorName  string
	AuthorEmail string
}

// Check identifies the external status check being asked, as the
// "external_approval_rule" of the payload.
type Check struct {
	ID   int64
	Name string
	// URL is the check's full external URL, query string included.
	URL string
}

// ErrPayloadTooLarge is returned by [Payload] for a body over
// [MaxPayloadBytes].
var ErrPayloadTooLarge = errors.New("delivery payload is larger than 25 MiB")

// Payload returns the exact JSON body sent to a check: GitLab's merge request
// webhook payload ("object_kind": "merge_request") plus the top-level
// "external_approval_rule" naming the check. Field names and formats follow
// GitLab's: object_attributes timestamps as "2022-12-07 07:53:43 UTC", the
// commit timestamp in ISO 8601 with its offset, the user's email redacted.
// Fields Signalbox has no notion of (pipelines, milestones, assignees) are
// null, zero or empty, as GitLab sends them for a merge request without them.
func Payload(ev *Event) ([]byte, error) {
	if err := validateEvent(ev); err != nil {
		return nil, err
	}
	body, err := json.Marshal(buildPayload(ev))
	if err != nil {
		return nil, fmt.Errorf("encode delivery payload: %w", err)
	}
	if len(body) > MaxPayloadBytes {
		return nil, ErrPayloadTooLarge
	}
	return body, nil
}

func validateEvent(ev *Event) error {
	switch {
	case ev == nil:
		return errors.New("delivery payload: no event")
	case ev.Project.ID <= 0:
		return errors.New("delivery payload: project id is missing")
	case ev.MergeRequest.IID <= 0:
		return errors.New("delivery payload: merge request iid is missing")
	case ev.Commit.SHA == "":
		return errors.New("delivery payload: head commit sha is missing")
	case ev.Check.ID <= 0:
		return errors.New("delivery payload: check id is missing")
	}
	return nil
}

// The wire shapes below are in GitLab's key order, so that a payload reads
// like GitLab's side by side.

type payload struct {
	ObjectKind           string                 `json:"object_kind"`
	EventType            string                 `json:"event_type"`
	User                 payloadUser            `json:"user"`
	Project              payloadRepo            `json:"project"`
	ObjectAttributes     attributes             `json:"object_attributes"`
	Labels               []string               `json:"labels"`
	Changes              map[string]changeEntry `json:"changes"`
	Repository           repository             `json:"repository"`
	ExternalApprovalRule rule                   `json:"external_approval_rule"`
	MergeTrain           *mergeTrain            `json:"merge_train,omitempty"`
}

type mergeTrain struct {
	CarID        int64  `json:"car_id"`
	TrainRef     string `json:"train_ref"`
	CarSHA       string `json:"car_sha"`
	TargetBranch string `json:"target_branch"`
	Position     int    `json:"position"`
}

type payloadUser struct {
	ID        int64   `json:"id"`
	Name      string  `json:"name"`
	Username  string  `json:"username"`
	AvatarURL *string `json:"avatar_url"`
	Email     string  `json:"email"`
}

// payloadRepo is GitLab's project hook entity, used for "project",
// "source" and "target".
type payloadRepo struct {
	ID                int64   `json:"id"`
	Name              string  `json:"name"`
	Description       string  `json:"description"`
	WebURL            string  `json:"web_url"`
	AvatarURL         *string `json:"avatar_url"`
	GitSSHURL         *string `json:"git_ssh_url"`
	GitHTTPURL        string  `json:"git_http_url"`
	Namespace         string  `json:"namespace"`
	VisibilityLevel   int     `json:"visibility_level"`
	PathWithNamespace string  `json:"path_with_namespace"`
	DefaultBranch     string  `json:"default_branch"`
	CIConfigPath      *string `json:"ci_config_path"`
	Homepage          string  `json:"homepage"`
	URL               string  `json:"url"`
	SSHURL            *string `json:"ssh_url"`
	HTTPURL           string  `json:"http_url"`
}

type attributes struct {
	AssigneeID                  *int64      `json:"assignee_id"`
	AuthorID                    int64       `json:"author_id"`
	CreatedAt                   *string     `json:"created_at"`
	Description                 string      `json:"description"`
	HeadPipelineID              *int64      `json:"head_pipeline_id"`
	ID                          int64       `json:"id"`
	IID                         int64       `json:"iid"`
	LastEditedAt                *string     `json:"last_edited_at"`
	LastEditedByID              *int64      `json:"last_edited_by_id"`
	MergeCommitSHA              *string     `json:"merge_commit_sha"`
	MergeError                  *string     `json:"merge_error"`
	MergeParams                 struct{}    `json:"merge_params"`
	MergeStatus                 string      `json:"merge_status"`
	MergeUserID                 *int64      `json:"merge_user_id"`
	MergeWhenPipelineSucceeds   bool        `json:"merge_when_pipeline_succeeds"`
	MilestoneID                 *int64      `json:"milestone_id"`
	SourceBranch                string      `json:"source_branch"`
	SourceProjectID             int64       `json:"source_project_id"`
	StateID                     int         `json:"state_id"`
	TargetBranch                string      `json:"target_branch"`
	TargetProjectID             int64       `json:"target_project_id"`
	TimeEstimate                int64       `json:"time_estimate"`
	Title                       string      `json:"title"`
	UpdatedAt                   *string     `json:"updated_at"`
	UpdatedByID                 *int64      `json:"updated_by_id"`
	URL                         string      `json:"url"`
	Source                      payloadRepo `json:"source"`
	Target                      payloadRepo `json:"target"`
	LastCommit                  lastCommit  `json:"last_commit"`
	WorkInProgress              bool        `json:"work_in_progress"`
	Draft                       bool        `json:"draft"`
	TotalTimeSpent              int64       `json:"total_time_spent"`
	TimeChange                  int64       `json:"time_change"`
	HumanTotalTimeSpent         *string     `json:"human_total_time_spent"`
	HumanTimeChange             *string     `json:"human_time_change"`
	HumanTimeEstimate           *string     `json:"human_time_estimate"`
	AssigneeIDs                 []int64     `json:"assignee_ids"`
	ReviewerIDs                 []int64     `json:"reviewer_ids"`
	Labels                      []string    `json:"labels"`
	State                       string      `json:"state"`
	BlockingDiscussionsResolved bool        `json:"blocking_discussions_resolved"`
	FirstContribution           bool        `json:"first_contribution"`
	DetailedMergeStatus         string      `json:"detailed_merge_status"`
	Action                      string      `json:"action,omitempty"`
	OldRev                      string      `json:"oldrev,omitempty"`
}

// changeEntry is one attribute's change, as GitLab writes it.
type changeEntry struct {
	Previous any `json:"previous"`
	Current  any `json:"current"`
}

func changesEntity(cs []Change) map[string]changeEntry {
	out := make(map[string]changeEntry, len(cs))
	for _, c := range cs {
		out[c.Name] = changeEntry{Previous: changeValue(c.Previous), Current: changeValue(c.Current)}
	}
	return out
}

// changeValue writes a time as attribute times are written; the zero time
// is null.
func changeValue(v any) any {
	if t, ok := v.(time.Time); ok {
		if s := attributeTime(t); s != nil {
			return *s
		}
		return nil
	}
	return v
}

type lastCommit struct {
	ID        string       `json:"id"`
	Message   string       `json:"message"`
	Title     string       `json:"title"`
	Timestamp *string      `json:"timestamp"`
	URL       string       `json:"url"`
	Author    commitAuthor `json:"author"`
}

type commitAuthor struct {
	Name  string `json:"name"`
	Email string `json:"email"`
}

type repository struct {
	Name        string `json:"name"`
	URL         string `json:"url"`
	Description string `json:"description"`
	Homepage    string `json:"homepage"`
}

type rule struct {
	ID          int64  `json:"id"`
	Name        string `json:"name"`
	ExternalURL string `json:"external_url"`
}

func buildPayload(ev *Event) payload {
	repo := projectEntity(&ev.Project)
	mr := &ev.MergeRequest
	return payload{
		ObjectKind: "merge_request",
		EventType:  "merge_request",
		User: payloadUser{
			ID:        ev.User.ID,
			Name:      ev.User.Name,
			Username:  ev.User.Username,
			AvatarURL: nullable(ev.User.AvatarURL),
			Email:     "[REDACTED]",
		},
		Project: repo,
		ObjectAttributes: attributes{
			AuthorID:                    mr.AuthorID,
			CreatedAt:                   attributeTime(mr.CreatedAt),
			Description:                 mr.Description,
			ID:                          mr.ID,
			IID:                         mr.IID,
			LastEditedAt:                attributeTime(mr.LastEditedAt),
			LastEditedByID:              nullableID(mr.LastEditedByID),
			UpdatedByID:                 nullableID(mr.UpdatedByID),
			MergeCommitSHA:              nullable(mr.MergeCommitSHA),
			MergeStatus:                 orDefault(mr.MergeStatus, "unchecked"),
			SourceBranch:                mr.SourceBranch,
			SourceProjectID:             ev.Project.ID,
			StateID:                     stateID(mr.State),
			TargetBranch:                mr.TargetBranch,
			TargetProjectID:             ev.Project.ID,
			Title:                       mr.Title,
			UpdatedAt:                   attributeTime(mr.UpdatedAt),
			URL:                         mr.WebURL,
			Source:                      repo,
			Target:                      repo,
			LastCommit:                  commitEntity(&ev.Commit, ev.Project.WebURL),
			WorkInProgress:              mr.Draft,
			Draft:                       mr.Draft,
			AssigneeIDs:                 []int64{},
			ReviewerIDs:                 []int64{},
			Labels:                      []string{},
			State:                       mr.State,
			BlockingDiscussionsResolved: true,
			DetailedMergeStatus:         orDefault(mr.DetailedMergeStatus, "unchecked"),
			Action:                      ev.Action,
			OldRev:                      ev.OldRev,
		},
		Labels:  []string{},
		Changes: changesEntity(ev.Changes),
		Repository: repository{
			Name:        ev.Project.Name,
			URL:         repo.URL,
			Description: ev.Project.Description,
			Homepage:    ev.Project.WebURL,
		},
		ExternalApprovalRule: rule{
			ID:          ev.Check.ID,
			Name:        ev.Check.Name,
			ExternalURL: ev.Check.URL,
		},
		MergeTrain: mergeTrainEntity(ev.MergeTrain),
	}
}

func mergeTrainEntity(m *MergeTrain) *mergeTrain {
	if m == nil {
		return nil
	}
	return &mergeTrain{CarID: m.CarID, TrainRef: m.TrainRef, CarSHA: m.CarSHA, TargetBranch: m.TargetBranch, Position: m.Position}
}

func projectEntity(p *Project) payloadRepo {
	namespace := p.Namespace
	if namespace == "" {
		namespace, _, _ = strings.Cut(p.PathWithNamespace, "/")
	}
	// GitLab's legacy "url" is the SSH clone URL; without SSH, the HTTP one
	// is the only URL a clone can use.
	url := p.SSHURL
	if url == "" {
		url = p.HTTPURL
	}
	return payloadRepo{
		ID:                p.ID,
		Name:              p.Name,
		Description:       p.Description,
		WebURL:            p.WebURL,
		GitSSHURL:         nullable(p.SSHURL),
		GitHTTPURL:        p.HTTPURL,
		Namespace:         namespace,
		VisibilityLevel:   int(p.Visibility),
		PathWithNamespace: p.PathWithNamespace,
		DefaultBranch:     p.DefaultBranch,
		Homepage:          p.WebURL,
		URL:               url,
		SSHURL:            nullable(p.SSHURL),
		HTTPURL:           p.HTTPURL,
	}
}

func commitEntity(c *Commit, projectWebURL string) lastCommit {
	title, _, _ := strings.Cut(c.Message, "\n")
	var ts *string
	if !c.Timestamp.IsZero() {
		// Ruby's iso8601: the commit's own offset, "+00:00" rather than "Z".
		s := c.Timestamp.Format("2006-01-02T15:04:05-07:00")
		ts = &s
	}
	return lastCommit{
		ID:        c.SHA,
		Message:   c.Message,
		Title:     strings.TrimSuffix(title, "\r"),
		Timestamp: ts,
		URL:       strings.TrimSuffix(projectWebURL, "/") + "/-/commit/" + c.SHA,
		Author:    commitAuthor{Name: c.AuthorName, Email: c.AuthorEmail},
	}
}

// attributeTime writes a time as GitLab's hook attributes do
// ("2022-12-07 07:53:43 UTC"), or null for the zero time.
func attributeTime(t time.Time) *string {
	if t.IsZero() {
		return nil
	}
	s := t.UTC().Format("2006-01-02 15:04:05 UTC")
	return &s
}

// stateID is GitLab's merge request state_id.
func stateID(state string) int {
	switch state {
	case "opened":
		return 1
	case "closed":
		return 2
	case "merged":
		return 3
	case "locked":
		return 4
	}
	return 0
}

func nullable(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

func nullableID(id int64) *int64 {
	if id == 0 {
		return nil
	}
	return &id
}

func orDefault(s, def string) string {
	if s == "" {
		return def
	}
	return s
}
