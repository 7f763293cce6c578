package rest

import (
	"strconv"
	"unicode/utf8"

	"google.golang.org/protobuf/types/known/timestamppb"
)

// jsonAppender is an answer that writes its own JSON, byte for byte what
// encoding/json writes for it with HTML escaping off
// (TestAppendJSONMatchesEncodingJSON holds them equal). The status check
// hot paths answer this way: encoding/json walks an entity by reflection,
// and there it cost more CPU than the entity's records took to decode.
type jsonAppender interface {
	appendJSON(dst []byte) []byte
	// jsonSize is about how many bytes appendJSON writes, so that one
	// buffer of that size usually holds them.
	jsonSize() int
}

const hexDigits = "0123456789abcdef"

// appendJSONString appends s as a JSON string as encoding/json writes it
// without HTML escaping: '"' and '\\' escaped, control characters as \b,
// \f, \n, \r, \t or \u00xx, invalid UTF-8 as \ufffd, and U+2028 and
// U+2029 escaped.
func appendJSONString(dst []byte, s string) []byte {
	dst = append(dst, '"')
	start := 0
	for i := 0; i < len(s); {
		b := s[i]
		if b < utf8.RuneSelf {
			if b >= 0x20 && b != '"' && b != '\\' {
				i++
				continue
			}
			dst = append(dst, s[start:i]...)
			switch b {
			case '\\', '"':
				dst = append(dst, '\\', b)
			case '\b':
				dst = append(dst, '\\', 'b')
			case '\f':
				dst = append(dst, '\\', 'f')
			case '\n':
				dst = append(dst, '\\', 'n')
			case '\r':
				dst = append(dst, '\\', 'r')
			case '\t':
				dst = append(dst, '\\', 't')
			default:
				dst = append(dst, '\\', 'u', '0', '0', hexDigits[b>>4], hexDigits[b&0xF])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			dst = append(dst, s[start:i]...)
			dst = append(dst, `\ufffd`...)
		case r == '\u2028' || r == '\u2029':
			dst = append(dst, s[start:i]...)
			dst = append(dst, '\\', 'u', '2', '0', '2', hexDigits[r&0xF])
		default:
			i += size
			continue
		}
		i += size
		start = i
	}
	dst = append(dst, s[start:]...)
	return append(dst, '"')
}

// appendJSONKey appends `"key":` for a key that needs no escaping.
func appendJSONKey(dst []byte, key string) []byte {
	dst = append(dst, '"')
	dst = append(dst, key...)
	return append(dst, '"', ':')
}

func appendJSONBool(dst []byte, v bool) []byte {
	return strconv.AppendBool(dst, v)
}

// appendJSONStringPtr appends *s, or null.
func appendJSONStringPtr(dst []byte, s *string) []byte {
	if s == nil {
		return append(dst, "null"...)
	}
	return appendJSONString(dst, *s)
}

// appendJSONBoolPtr appends *b, or null.
func appendJSONBoolPtr(dst []byte, b *bool) []byte {
	if b == nil {
		return append(dst, "null"...)
	}
	return appendJSONBool(dst, *b)
}

// appendJSONInt64Ptr appends *n, or null.
func appendJSONInt64Ptr(dst []byte, n *int64) []byte {
	if n == nil {
		return append(dst, "null"...)
	}
	return strconv.AppendInt(dst, *n, 10)
}

// appendGitlabTime appends what gitlabTime.MarshalJSON writes.
func appendGitlabTime(dst []byte, t *timestamppb.Timestamp) []byte {
	if t == nil {
		return append(dst, "null"...)
	}
	dst = append(dst, '"')
	dst = t.AsTime().UTC().AppendFormat(dst, gitlabTimeLayout)
	return append(dst, '"')
}

// appendJSONEmptyStructPtr appends a *struct{}: null, or {}.
func appendJSONEmptyStructPtr(dst []byte, p *struct{}) []byte {
	if p == nil {
		return append(dst, "null"...)
	}
	return append(dst, "{}"...)
}

// The entities of the status check hot paths. Each writes its fields in
// declaration order, embedded entities' fields in place, as encoding/json
// does.

func (l mergeRequestStatusChecks) jsonSize() int { return 2 + 160*len(l) }

// jsonSize covers the merge request with a head pipeline: about 3 KB.
func (r statusCheckResponse) jsonSize() int { return 4096 }

func (l mergeRequestStatusChecks) appendJSON(dst []byte) []byte {
	if l == nil {
		return append(dst, "null"...)
	}
	dst = append(dst, '[')
	for i := range l {
		if i > 0 {
			dst = append(dst, ',')
		}
		s := &l[i]
		dst = appendJSONKey(append(dst, '{'), "id")
		dst = strconv.AppendInt(dst, s.ID, 10)
		dst = appendJSONKey(append(dst, ','), "name")
		dst = appendJSONString(dst, s.Name)
		dst = appendJSONKey(append(dst, ','), "external_url")
		dst = appendJSONString(dst, s.ExternalURL)
		dst = appendJSONKey(append(dst, ','), "status")
		dst = appendJSONString(dst, s.Status)
		dst = append(dst, '}')
	}
	return append(dst, ']')
}

func (r statusCheckResponse) appendJSON(dst []byte) []byte {
	dst = appendJSONKey(append(dst, '{'), "id")
	dst = strconv.AppendInt(dst, r.ID, 10)
	dst = appendJSONKey(append(dst, ','), "merge_request")
	dst = r.MergeRequest.appendJSON(dst)
	dst = appendJSONKey(append(dst, ','), "external_status_check")
	dst = r.ExternalStatusCheck.appendJSON(dst)
	return append(dst, '}')
}

func (u *userBasic) appendJSON(dst []byte) []byte {
	if u == nil {
		return append(dst, "null"...)
	}
	dst = appendJSONKey(append(dst, '{'), "id")
	dst = strconv.AppendInt(dst, u.ID, 10)
	dst = appendJSONKey(append(dst, ','), "username")
	dst = appendJSONString(dst, u.Username)
	dst = appendJSONKey(append(dst, ','), "name")
	dst = appendJSONString(dst, u.Name)
	dst = appendJSONKey(append(dst, ','), "state")
	dst = appendJSONString(dst, u.State)
	dst = appendJSONKey(append(dst, ','), "locked")
	dst = appendJSONBool(dst, u.Locked)
	dst = appendJSONKey(append(dst, ','), "avatar_url")
	dst = appendJSONStringPtr(dst, u.AvatarURL)
	dst = appendJSONKey(append(dst, ','), "web_url")
	dst = appendJSONString(dst, u.WebURL)
	return append(dst, '}')
}

// appendJSONList appends ls as a JSON array, each element by elem, and a
// nil slice as null, as encoding/json does.
func appendJSONList[T any](dst []byte, ls []T, elem func([]byte, *T) []byte) []byte {
	if ls == nil {
		return append(dst, "null"...)
	}
	dst = append(dst, '[')
	for i := range ls {
		if i > 0 {
			dst = append(dst, ',')
		}
		dst = elem(dst, &ls[i])
	}
	return append(dst, ']')
}

func appendUserBasics(dst []byte, us []userBasic) []byte {
	return appendJSONList(dst, us, func(dst []byte, u *userBasic) []byte { return u.appendJSON(dst) })
}

func appendJSONStrings(dst []byte, ss []string) []byte {
	return appendJSONList(dst, ss, func(dst []byte, s *string) []byte { return appendJSONString(dst, *s) })
}

// appendFields appends the fields of mergeRequestBasic, without braces.
func (m *mergeRequestBasic) appendFields(dst []byte) []byte {
	dst = appendJSONKey(dst, "id")
	dst = strconv.AppendInt(dst, m.ID, 10)
	dst = appendJSONKey(append(dst, ','), "iid")
	dst = strconv.AppendInt(dst, m.IID, 10)
	dst = appendJSONKey(append(dst, ','), "project_id")
	dst = strconv.AppendInt(dst, m.ProjectID, 10)
	dst = appendJSONKey(append(dst, ','), "title")
	dst = appendJSONString(dst, m.Title)
	dst = appendJSONKey(append(dst, ','), "description")
	dst = appendJSONString(dst, m.Description)
	dst = appendJSONKey(append(dst, ','), "state")
	dst = appendJSONString(dst, m.State)
	dst = appendJSONKey(append(dst, ','), "created_at")
	dst = appendGitlabTime(dst, m.CreatedAt.t)
	dst = appendJSONKey(append(dst, ','), "updated_at")
	dst = appendGitlabTime(dst, m.UpdatedAt.t)
	dst = appendJSONKey(append(dst, ','), "merged_by")
	dst = m.MergedBy.appendJSON(dst)
	dst = appendJSONKey(append(dst, ','), "merge_user")
	dst = m.MergeUser.appendJSON(dst)
	dst = appendJSONKey(append(dst, ','), "merged_at")
	dst = appendGitlabTime(dst, m.MergedAt.t)
	dst = appendJSONKey(append(dst, ','), "closed_by")
	dst = m.ClosedBy.appendJSON(dst)
	dst = appendJSONKey(append(dst, ','), "closed_at")
	dst = appendGitlabTime(dst, m.ClosedAt.t)
	dst = appendJSONKey(append(dst, ','), "target_branch")
	dst = appendJSONString(dst, m.TargetBranch)
	dst = appendJSONKey(append(dst, ','), "source_branch")
	dst = appendJSONString(dst, m.SourceBranch)
	dst = appendJSONKey(append(dst, ','), "user_notes_count")
	dst = strconv.AppendInt(dst, int64(m.UserNotesCount), 10)
	dst = appendJSONKey(append(dst, ','), "upvotes")
	dst = strconv.AppendInt(dst, int64(m.Upvotes), 10)
	dst = appendJSONKey(append(dst, ','), "downvotes")
	dst = strconv.AppendInt(dst, int64(m.Downvotes), 10)
	dst = appendJSONKey(append(dst, ','), "author")
	dst = m.Author.appendJSON(dst)
	dst = appendJSONKey(append(dst, ','), "assignees")
	dst = appendUserBasics(dst, m.Assignees)
	dst = appendJSONKey(append(dst, ','), "assignee")
	dst = m.Assignee.appendJSON(dst)
	dst = appendJSONKey(append(dst, ','), "reviewers")
	dst = appendUserBasics(dst, m.Reviewers)
	dst = appendJSONKey(append(dst, ','), "source_project_id")
	dst = strconv.AppendInt(dst, m.SourceProjectID, 10)
	dst = appendJSONKey(append(dst, ','), "target_project_id")
	dst = strconv.AppendInt(dst, m.TargetProjectID, 10)
	dst = appendJSONKey(append(dst, ','), "labels")
	dst = appendJSONStrings(dst, m.Labels)
	dst = appendJSONKey(append(dst, ','), "draft")
	dst = appendJSONBool(dst, m.Draft)
	dst = appendJSONKey(append(dst, ','), "work_in_progress")
	dst = appendJSONBool(dst, m.WorkInProgress)
	dst = appendJSONKey(append(dst, ','), "milestone")
	dst = appendJSONEmptyStructPtr(dst, m.Milestone)
	dst = appendJSONKey(append(dst, ','), "merge_when_pipeline_succeeds")
	dst = appendJSONBool(dst, m.MergeWhenPipelineSucceeds)
	dst = appendJSONKey(append(dst, ','), "merge_status")
	dst = appendJSONString(dst, m.MergeStatus)
	dst = appendJSONKey(append(dst, ','), "detailed_merge_status")
	dst = appendJSONString(dst, m.DetailedMergeStatus)
	dst = appendJSONKey(append(dst, ','), "sha")
	dst = appendJSONString(dst, m.SHA)
	dst = appendJSONKey(append(dst, ','), "merge_commit_sha")
	dst = appendJSONStringPtr(dst, m.MergeCommitSHA)
	dst = appendJSONKey(append(dst, ','), "squash_commit_sha")
	dst = appendJSONStringPtr(dst, m.SquashCommitSHA)
	dst = appendJSONKey(append(dst, ','), "discussion_locked")
	dst = appendJSONBoolPtr(dst, m.DiscussionLocked)
	dst = appendJSONKey(append(dst, ','), "should_remove_source_branch")
	dst = appendJSONBoolPtr(dst, m.ShouldRemoveSourceBranch)
	dst = appendJSONKey(append(dst, ','), "force_remove_source_branch")
	dst = appendJSONBoolPtr(dst, m.ForceRemoveSourceBranch)
	dst = appendJSONKey(append(dst, ','), "prepared_at")
	dst = appendGitlabTime(dst, m.PreparedAt.t)
	dst = appendJSONKey(append(dst, ','), "reference")
	dst = appendJSONString(dst, m.Reference)
	dst = appendJSONKey(append(dst, ','), "references")
	dst = appendJSONKey(append(dst, '{'), "short")
	dst = appendJSONString(dst, m.References.Short)
	dst = appendJSONKey(append(dst, ','), "relative")
	dst = appendJSONString(dst, m.References.Relative)
	dst = appendJSONKey(append(dst, ','), "full")
	dst = appendJSONString(dst, m.References.Full)
	dst = appendJSONKey(append(dst, '}', ','), "web_url")
	dst = appendJSONString(dst, m.WebURL)
	dst = appendJSONKey(append(dst, ','), "time_stats")
	dst = appendJSONKey(append(dst, '{'), "time_estimate")
	dst = strconv.AppendInt(dst, int64(m.TimeStats.TimeEstimate), 10)
	dst = appendJSONKey(append(dst, ','), "total_time_spent")
	dst = strconv.AppendInt(dst, int64(m.TimeStats.TotalTimeSpent), 10)
	dst = appendJSONKey(append(dst, ','), "human_time_estimate")
	dst = appendJSONStringPtr(dst, m.TimeStats.HumanTimeEstimate)
	dst = appendJSONKey(append(dst, ','), "human_total_time_spent")
	dst = appendJSONStringPtr(dst, m.TimeStats.HumanTotalTimeSpent)
	dst = appendJSONKey(append(dst, '}', ','), "squash")
	dst = appendJSONBool(dst, m.Squash)
	dst = appendJSONKey(append(dst, ','), "squash_on_merge")
	dst = appendJSONBool(dst, m.SquashOnMerge)
	dst = appendJSONKey(append(dst, ','), "task_completion_status")
	dst = appendJSONKey(append(dst, '{'), "count")
	dst = strconv.AppendInt(dst, int64(m.TaskCompletionStatus.Count), 10)
	dst = appendJSONKey(append(dst, ','), "completed_count")
	dst = strconv.AppendInt(dst, int64(m.TaskCompletionStatus.CompletedCount), 10)
	dst = appendJSONKey(append(dst, '}', ','), "has_conflicts")
	dst = appendJSONBool(dst, m.HasConflicts)
	dst = appendJSONKey(append(dst, ','), "blocking_discussions_resolved")
	return appendJSONBool(dst, m.BlockingDiscussionsResolved)
}

func (m *mergeRequest) appendJSON(dst []byte) []byte {
	if m == nil {
		return append(dst, "null"...)
	}
	dst = m.mergeRequestBasic.appendFields(append(dst, '{'))
	dst = appendJSONKey(append(dst, ','), "subscribed")
	dst = appendJSONBool(dst, m.Subscribed)
	dst = appendJSONKey(append(dst, ','), "changes_count")
	dst = appendJSONStringPtr(dst, m.ChangesCount)
	dst = appendJSONKey(append(dst, ','), "latest_build_started_at")
	dst = appendGitlabTime(dst, m.LatestBuildStartedAt.t)
	dst = appendJSONKey(append(dst, ','), "latest_build_finished_at")
	dst = appendGitlabTime(dst, m.LatestBuildFinishedAt.t)
	dst = appendJSONKey(append(dst, ','), "first_deployed_to_production_at")
	dst = appendGitlabTime(dst, m.FirstDeployedToProductionAt.t)
	dst = appendJSONKey(append(dst, ','), "pipeline")
	dst = m.Pipeline.appendJSON(dst)
	dst = appendJSONKey(append(dst, ','), "head_pipeline")
	dst = m.HeadPipeline.appendJSON(dst)
	dst = appendJSONKey(append(dst, ','), "diff_refs")
	dst = appendJSONKey(append(dst, '{'), "base_sha")
	dst = appendJSONString(dst, m.DiffRefs.BaseSHA)
	dst = appendJSONKey(append(dst, ','), "head_sha")
	dst = appendJSONString(dst, m.DiffRefs.HeadSHA)
	dst = appendJSONKey(append(dst, ','), "start_sha")
	dst = appendJSONString(dst, m.DiffRefs.StartSHA)
	dst = appendJSONKey(append(dst, '}', ','), "merge_error")
	dst = appendJSONStringPtr(dst, m.MergeError)
	dst = appendJSONKey(append(dst, ','), "first_contribution")
	dst = appendJSONBool(dst, m.FirstContribution)
	dst = appendJSONKey(append(dst, ','), "user")
	dst = appendJSONKey(append(dst, '{'), "can_merge")
	dst = appendJSONBool(dst, m.User.CanMerge)
	return append(dst, '}', '}')
}

// appendFields appends the fields of pipelineBasic, without braces.
func (p *pipelineBasic) appendFields(dst []byte) []byte {
	dst = appendJSONKey(dst, "id")
	dst = strconv.AppendInt(dst, p.ID, 10)
	dst = appendJSONKey(append(dst, ','), "iid")
	dst = strconv.AppendInt(dst, p.IID, 10)
	dst = appendJSONKey(append(dst, ','), "project_id")
	dst = strconv.AppendInt(dst, p.ProjectID, 10)
	dst = appendJSONKey(append(dst, ','), "sha")
	dst = appendJSONString(dst, p.SHA)
	dst = appendJSONKey(append(dst, ','), "ref")
	dst = appendJSONString(dst, p.Ref)
	dst = appendJSONKey(append(dst, ','), "status")
	dst = appendJSONString(dst, p.Status)
	dst = appendJSONKey(append(dst, ','), "source")
	dst = appendJSONString(dst, p.Source)
	dst = appendJSONKey(append(dst, ','), "created_at")
	dst = appendGitlabTime(dst, p.CreatedAt.t)
	dst = appendJSONKey(append(dst, ','), "updated_at")
	dst = appendGitlabTime(dst, p.UpdatedAt.t)
	dst = appendJSONKey(append(dst, ','), "web_url")
	return appendJSONString(dst, p.WebURL)
}

func (p *pipelineBasic) appendJSON(dst []byte) []byte {
	if p == nil {
		return append(dst, "null"...)
	}
	return append(p.appendFields(append(dst, '{')), '}')
}

func (p *pipeline) appendJSON(dst []byte) []byte {
	if p == nil {
		return append(dst, "null"...)
	}
	dst = p.pipelineBasic.appendFields(append(dst, '{'))
	dst = appendJSONKey(append(dst, ','), "before_sha")
	dst = appendJSONString(dst, p.BeforeSHA)
	dst = appendJSONKey(append(dst, ','), "tag")
	dst = appendJSONBool(dst, p.Tag)
	dst = appendJSONKey(append(dst, ','), "yaml_errors")
	dst = appendJSONStringPtr(dst, p.YAMLErrors)
	dst = appendJSONKey(append(dst, ','), "user")
	dst = p.User.appendJSON(dst)
	dst = appendJSONKey(append(dst, ','), "started_at")
	dst = appendGitlabTime(dst, p.StartedAt.t)
	dst = appendJSONKey(append(dst, ','), "finished_at")
	dst = appendGitlabTime(dst, p.FinishedAt.t)
	dst = appendJSONKey(append(dst, ','), "committed_at")
	dst = appendGitlabTime(dst, p.CommittedAt.t)
	dst = appendJSONKey(append(dst, ','), "duration")
	dst = appendJSONInt64Ptr(dst, p.Duration)
	dst = appendJSONKey(append(dst, ','), "queued_duration")
	dst = appendJSONInt64Ptr(dst, p.QueuedDuration)
	dst = appendJSONKey(append(dst, ','), "coverage")
	dst = appendJSONStringPtr(dst, p.Coverage)
	dst = appendJSONKey(append(dst, ','), "detailed_status")
	d := &p.DetailedStatus
	dst = appendJSONKey(append(dst, '{'), "icon")
	dst = appendJSONString(dst, d.Icon)
	dst = appendJSONKey(append(dst, ','), "text")
	dst = appendJSONString(dst, d.Text)
	dst = appendJSONKey(append(dst, ','), "label")
	dst = appendJSONString(dst, d.Label)
	dst = appendJSONKey(append(dst, ','), "group")
	dst = appendJSONString(dst, d.Group)
	dst = appendJSONKey(append(dst, ','), "tooltip")
	dst = appendJSONString(dst, d.Tooltip)
	dst = appendJSONKey(append(dst, ','), "has_details")
	dst = appendJSONBool(dst, d.HasDetails)
	dst = appendJSONKey(append(dst, ','), "details_path")
	dst = appendJSONString(dst, d.DetailsPath)
	dst = appendJSONKey(append(dst, ','), "illustration")
	dst = appendJSONEmptyStructPtr(dst, d.Illustration)
	dst = appendJSONKey(append(dst, ','), "favicon")
	dst = appendJSONString(dst, d.Favicon)
	dst = appendJSONKey(append(dst, '}', ','), "archived")
	dst = appendJSONBool(dst, p.Archived)
	return append(dst, '}')
}

func (c *externalStatusCheck) appendJSON(dst []byte) []byte {
	if c == nil {
		return append(dst, "null"...)
	}
	dst = appendJSONKey(append(dst, '{'), "id")
	dst = strconv.AppendInt(dst, c.ID, 10)
	dst = appendJSONKey(append(dst, ','), "name")
	dst = appendJSONString(dst, c.Name)
	dst = appendJSONKey(append(dst, ','), "project_id")
	dst = strconv.AppendInt(dst, c.ProjectID, 10)
	dst = appendJSONKey(append(dst, ','), "external_url")
	dst = appendJSONString(dst, c.ExternalURL)
	dst = appendJSONKey(append(dst, ','), "protected_branches")
	if c.ProtectedBranches == nil {
		dst = append(dst, "null"...)
	} else {
		dst = append(dst, '[')
		for i := range c.ProtectedBranches {
			if i > 0 {
				dst = append(dst, ',')
			}
			dst = c.ProtectedBranches[i].appendJSON(dst)
		}
		dst = append(dst, ']')
	}
	dst = appendJSONKey(append(dst, ','), "hmac")
	dst = appendJSONBool(dst, c.HMAC)
	if c.TimeoutSeconds != 0 {
		dst = appendJSONKey(append(dst, ','), "timeout_seconds")
		dst = strconv.AppendInt(dst, int64(c.TimeoutSeconds), 10)
	}
	return append(dst, '}')
}

func (b *protectedBranch) appendJSON(dst []byte) []byte {
	dst = appendJSONKey(append(dst, '{'), "id")
	dst = strconv.AppendInt(dst, b.ID, 10)
	dst = appendJSONKey(append(dst, ','), "name")
	dst = appendJSONString(dst, b.Name)
	dst = appendJSONKey(append(dst, ','), "push_access_levels")
	dst = appendRefAccess(dst, b.PushAccessLevels)
	dst = appendJSONKey(append(dst, ','), "merge_access_levels")
	dst = appendRefAccess(dst, b.MergeAccessLevels)
	dst = appendJSONKey(append(dst, ','), "allow_force_push")
	dst = appendJSONBool(dst, b.AllowForcePush)
	dst = appendJSONKey(append(dst, ','), "unprotect_access_levels")
	dst = appendRefAccess(dst, b.UnprotectAccessLevels)
	dst = appendJSONKey(append(dst, ','), "code_owner_approval_required")
	dst = appendJSONBool(dst, b.CodeOwnerApprovalRequired)
	dst = appendJSONKey(append(dst, ','), "inherited")
	dst = appendJSONBool(dst, b.Inherited)
	return append(dst, '}')
}

func appendRefAccess(dst []byte, ls []protectedRefAccess) []byte {
	return appendJSONList(dst, ls, func(dst []byte, l *protectedRefAccess) []byte {
		dst = appendJSONKey(append(dst, '{'), "id")
		dst = strconv.AppendInt(dst, l.ID, 10)
		dst = appendJSONKey(append(dst, ','), "access_level")
		dst = strconv.AppendInt(dst, int64(l.AccessLevel), 10)
		dst = appendJSONKey(append(dst, ','), "access_level_description")
		dst = appendJSONString(dst, l.AccessLevelDescription)
		dst = appendJSONKey(append(dst, ','), "deploy_key_id")
		dst = appendJSONInt64Ptr(dst, l.DeployKeyID)
		dst = appendJSONKey(append(dst, ','), "user_id")
		dst = appendJSONInt64Ptr(dst, l.UserID)
		dst = appendJSONKey(append(dst, ','), "group_id")
		dst = appendJSONInt64Ptr(dst, l.GroupID)
		return append(dst, '}')
	})
}
