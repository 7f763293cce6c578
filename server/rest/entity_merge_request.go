package rest

import (
	"strconv"

	signalboxv1 "github.com/signalbox/signalbox/gen/signalbox/v1"
)

// mergeRequestBasic is GitLab's MergeRequestBasic entity, used in lists.
type mergeRequestBasic struct {
	ID                          int64                `json:"id"`
	IID                         int64                `json:"iid"`
	ProjectID                   int64                `json:"project_id"`
	Title                       string               `json:"title"`
	Description                 string               `json:"description"`
	State                       string               `json:"state"`
	CreatedAt                   gitlabTime           `json:"created_at"`
	UpdatedAt                   gitlabTime           `json:"updated_at"`
	MergedBy                    *userBasic           `json:"merged_by"`
	MergeUser                   *userBasic           `json:"merge_user"`
	MergedAt                    gitlabTime           `json:"merged_at"`
	ClosedBy                    *userBasic           `json:"closed_by"`
	ClosedAt                    gitlabTime           `json:"closed_at"`
	TargetBranch                string               `json:"target_branch"`
	SourceBranch                string               `json:"source_branch"`
	UserNotesCount              int                  `json:"user_notes_count"`
	Upvotes                     int                  `json:"upvotes"`
	Downvotes                   int                  `json:"downvotes"`
	Author                      *userBasic           `json:"author"`
	Assignees                   []userBasic          `json:"assignees"`
	Assignee                    *userBasic           `json:"assignee"`
	Reviewers                   []userBasic          `json:"reviewers"`
	SourceProjectID             int64                `json:"source_project_id"`
	TargetProjectID             int64                `json:"target_project_id"`
	Labels                      []string             `json:"labels"`
	Draft                       bool                 `json:"draft"`
	WorkInProgress              bool                 `json:"work_in_progress"`
	Milestone                   *struct{}            `json:"milestone"`
	MergeWhenPipelineSucceeds   bool                 `json:"merge_when_pipeline_succeeds"`
	MergeStatus                 string               `json:"merge_status"`
	DetailedMergeStatus         string               `json:"detailed_merge_status"`
	SHA                         string               `json:"sha"`
	MergeCommitSHA              *string              `json:"merge_commit_sha"`
	SquashCommitSHA             *string              `json:"squash_commit_sha"`
	DiscussionLocked            *bool                `json:"discussion_locked"`
	ShouldRemoveSourceBranch    *bool                `json:"should_remove_source_branch"`
	ForceRemoveSourceBranch     *bool                `json:"force_remove_source_branch"`
	PreparedAt                  gitlabTime           `json:"prepared_at"`
	Reference                   string               `json:"reference"`
	References                  references           `json:"references"`
	WebURL                      string               `json:"web_url"`
	TimeStats                   timeStats            `json:"time_stats"`
	Squash                      bool                 `json:"squash"`
	SquashOnMerge               bool                 `json:"squash_on_merge"`
	TaskCompletionStatus        taskCompletionStatus `json:"task_completion_status"`
	HasConflicts                bool                 `json:"has_conflicts"`
	BlockingDiscussionsResolved bool                 `json:"blocking_discussions_resolved"`
}

type references struct {
	Short    string `json:"short"`
	Relative string `json:"relative"`
	Full     string `json:"full"`
}

type timeStats struct {
	TimeEstimate        int     `json:"time_estimate"`
	TotalTimeSpent      int     `json:"total_time_spent"`
	HumanTimeEstimate   *string `json:"human_time_estimate"`
	HumanTotalTimeSpent *string `json:"human_total_time_spent"`
}

type taskCompletionStatus struct {
	Count          int `json:"count"`
	CompletedCount int `json:"completed_count"`
}

type diffRefs struct {
	BaseSHA  string `json:"base_sha"`
	HeadSHA  string `json:"head_sha"`
	StartSHA string `json:"start_sha"`
}

// mergeRequest is GitLab's MergeRequest entity: one merge request, with
// its diff refs and pipeline.
type mergeRequest struct {
	mergeRequestBasic
	Subscribed                  bool           `json:"subscribed"`
	ChangesCount                *string        `json:"changes_count"`
	LatestBuildStartedAt        gitlabTime     `json:"latest_build_started_at"`
	LatestBuildFinishedAt       gitlabTime     `json:"latest_build_finished_at"`
	FirstDeployedToProductionAt gitlabTime     `json:"first_deployed_to_production_at"`
	Pipeline                    *pipelineBasic `json:"pipeline"`
	HeadPipeline                *pipeline      `json:"head_pipeline"`
	DiffRefs                    diffRefs       `json:"diff_refs"`
	MergeError                  *string        `json:"merge_error"`
	FirstContribution           bool           `json:"first_contribution"`
	User                        canMerge       `json:"user"`
}

type canMerge struct {
	CanMerge bool `json:"can_merge"`
}

func stateName(s signalboxv1.MergeRequestState) string {
	return enumName(s.String(), "MERGE_REQUEST_STATE_")
}

func optionalSHA(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

func newMergeRequestBasic(mr *signalboxv1.MergeRequest, projectPath string) mergeRequestBasic {
	ref := "!" + strconv.FormatInt(mr.GetIid(), 10)
	mergeStatus := "can_be_merged"
	if mr.GetHasConflicts() {
		mergeStatus = "cannot_be_merged"
	}
	var mergedBy *userBasic
	if mr.GetState() == signalboxv1.MergeRequestState_MERGE_REQUEST_STATE_MERGED {
		mergedBy = newUserBasic(mr.GetMergeUser())
	}
	return mergeRequestBasic{
		ID:                          mr.GetId(),
		IID:                         mr.GetIid(),
		ProjectID:                   mr.GetProjectId(),
		Title:                       mr.GetTitle(),
		Description:                 mr.GetDescription(),
		State:                       stateName(mr.GetState()),
		CreatedAt:                   ts(mr.GetCreateTime()),
		UpdatedAt:                   ts(mr.GetUpdateTime()),
		MergedBy:                    mergedBy,
		MergeUser:                   newUserBasic(mr.GetMergeUser()),
		MergedAt:                    ts(mr.GetMergeTime()),
		ClosedAt:                    ts(mr.GetCloseTime()),
		TargetBranch:                mr.GetTargetBranch(),
		SourceBranch:                mr.GetSourceBranch(),
		Author:                      newUserBasic(mr.GetAuthor()),
		Assignees:                   []userBasic{},
		Reviewers:                   []userBasic{},
		SourceProjectID:             mr.GetProjectId(),
		TargetProjectID:             mr.GetProjectId(),
		Labels:                      []string{},
		Draft:                       mr.GetDraft(),
		WorkInProgress:              mr.GetDraft(),
		MergeWhenPipelineSucceeds:   mr.GetMergeWhenPipelineSucceeds(),
		MergeStatus:                 mergeStatus,
		DetailedMergeStatus:         enumName(mr.GetDetailedMergeStatus().String(), "DETAILED_MERGE_STATUS_"),
		SHA:                         mr.GetSha(),
		MergeCommitSHA:              optionalSHA(mr.GetMergeCommitSha()),
		SquashCommitSHA:             optionalSHA(mr.GetSquashCommitSha()),
		Reference:                   ref,
		References:                  references{Short: ref, Relative: ref, Full: projectPath + ref},
		WebURL:                      mr.GetWebUrl(),
		Squash:                      mr.GetSquash(),
		SquashOnMerge:               mr.GetSquash(),
		HasConflicts:                mr.GetHasConflicts(),
		BlockingDiscussionsResolved: true,
	}
}

func newMergeRequest(mr *signalboxv1.MergeRequest, projectPath, externalURL string) *mergeRequest {
	d := mr.GetDiffRefs()
	return &mergeRequest{
		mergeRequestBasic: newMergeRequestBasic(mr, projectPath),
		Pipeline:          newPipelineBasic(mr.GetHeadPipeline()),
		HeadPipeline:      newPipeline(mr.GetHeadPipeline(), externalURL),
		DiffRefs:          diffRefs{BaseSHA: d.GetBaseSha(), HeadSHA: d.GetHeadSha(), StartSHA: d.GetStartSha()},
		User:              canMerge{CanMerge: mr.GetUserCanMerge()},
	}
}
