package api

import (
	"strconv"
	"strings"

	"google.golang.org/protobuf/proto"

	storagev1 "github.com/signalbox/signalbox/gen/signalbox/storage/v1"
	signalboxv1 "github.com/signalbox/signalbox/gen/signalbox/v1"
	"github.com/signalbox/signalbox/server/auth"
	"github.com/signalbox/signalbox/server/mergerequest"
	"github.com/signalbox/signalbox/server/project"
	"github.com/signalbox/signalbox/server/statuscheck"
)

// urls builds the browser URLs the API returns, from --external-url.
type urls struct{ base string }

func newURLs(externalURL string) urls { return urls{base: strings.TrimRight(externalURL, "/")} }

func (u urls) user(username string) string    { return u.base + "/" + username }
func (u urls) project(fullPath string) string { return u.base + "/" + fullPath }

func fullPath(p *storagev1.Project) string { return p.GetNamespacePath() + "/" + p.GetPath() }

// toUser converts a user as anyone may see them: no admin flag, and the
// email only when showEmail. Nested users (authors, merge users, train
// users) go through here alone; withAdmin adds the flag where GitLab shows
// is_admin.
func (u urls) toUser(r *storagev1.User, showEmail bool) *signalboxv1.User {
	state := signalboxv1.UserState_USER_STATE_ACTIVE
	if r.GetBlocked() {
		state = signalboxv1.UserState_USER_STATE_BLOCKED
	}
	out := &signalboxv1.User{
		Id:         r.GetId(),
		Username:   r.GetUsername(),
		Name:       r.GetName(),
		State:      state,
		CreateTime: r.GetCreateTime(),
		WebUrl:     u.user(r.GetUsername()),
		Bot:        r.GetBot(),
	}
	if showEmail {
		out.Email = r.GetEmail()
	}
	return out
}

// withAdmin sets the admin flag of out from r when the caller may see it:
// administrators see everyone's, and a user sees their own.
func withAdmin(out *signalboxv1.User, r *storagev1.User, caller *auth.Principal) *signalboxv1.User {
	if caller != nil && (caller.Admin || caller.UserID == r.GetId()) {
		out.Admin = proto.Bool(r.GetAdmin())
	}
	return out
}

func toToken(t *storagev1.Token, secret string, expired bool) *signalboxv1.PersonalAccessToken {
	return &signalboxv1.PersonalAccessToken{
		Id:         t.GetId(),
		UserId:     t.GetUserId(),
		Name:       t.GetName(),
		Scopes:     t.GetScopes(),
		ExpiresAt:  t.GetExpiresAt(),
		Revoked:    t.GetRevoked(),
		Active:     !t.GetRevoked() && !expired,
		CreateTime: t.GetCreateTime(),
		Token:      secret,
	}
}

func (u urls) toProject(p *storagev1.Project) *signalboxv1.Project {
	web := u.project(fullPath(p))
	s := p.GetSettings()
	return &signalboxv1.Project{
		Id:                p.GetId(),
		Name:              p.GetName(),
		Path:              p.GetPath(),
		PathWithNamespace: fullPath(p),
		NameWithNamespace: p.GetNamespaceName() + " / " + p.GetName(),
		Namespace: &signalboxv1.Namespace{
			Id:       p.GetNamespaceId(),
			Name:     p.GetNamespaceName(),
			Path:     p.GetNamespacePath(),
			Kind:     "user",
			FullPath: p.GetNamespacePath(),
			WebUrl:   u.user(p.GetNamespacePath()),
		},
		Description:      p.GetDescription(),
		Visibility:       signalboxv1.Visibility(p.GetVisibility()),
		DefaultBranch:    p.GetDefaultBranch(),
		CreateTime:       p.GetCreateTime(),
		LastActivityTime: p.GetLastActivityTime(),
		WebUrl:           web,
		HttpUrlToRepo:    web + ".git",
		CreatorId:        p.GetCreatorId(),
		EmptyRepo:        p.GetEmptyRepo(),
		Settings: &signalboxv1.ProjectSettings{
			OnlyAllowMergeIfAllStatusChecksPassed: s.GetOnlyAllowMergeIfAllStatusChecksPassed(),
			OnlyAllowMergeIfPipelineSucceeds:      s.GetOnlyAllowMergeIfPipelineSucceeds(),
			MergePipelinesEnabled:                 s.GetMergePipelinesEnabled(),
			MergeTrainsEnabled:                    s.GetMergeTrainsEnabled(),
			MergeTrainsSkipTrainAllowed:           s.GetMergeTrainsSkipTrainAllowed(),
			MergeMethod:                           signalboxv1.MergeMethod(s.GetMergeMethod()),
			MaxPipelinesPerMergeTrain:             s.GetMaxPipelinesPerMergeTrain(),
			StatusCheckTimeoutSeconds:             s.GetStatusCheckTimeoutSeconds(),
			StatusChecksFollowMergeTrain:          s.GetStatusChecksFollowMergeTrain(),
		},
	}
}

func (u urls) toMember(m *project.Membership) *signalboxv1.Member {
	return &signalboxv1.Member{
		Id:          m.User.GetId(),
		Username:    m.User.GetUsername(),
		Name:        m.User.GetName(),
		WebUrl:      u.user(m.User.GetUsername()),
		AccessLevel: m.Member.GetAccessLevel(),
		CreateTime:  m.Member.GetCreateTime(),
		ExpiresAt:   m.Member.GetExpiresAt(),
		CreatedById: m.Member.GetCreatedById(),
	}
}

// accessLevelDescription is GitLab's wording for a protected-branch level.
func accessLevelDescription(level int32) string {
	switch level {
	case 0:
		return "No one"
	case 30:
		return "Developers + Maintainers"
	case 40:
		return "Maintainers"
	case 60:
		return "Admins"
	}
	return ""
}

func toAccessLevels(l *storagev1.AccessLevel) []*signalboxv1.BranchAccessLevel {
	if l == nil {
		return nil
	}
	return []*signalboxv1.BranchAccessLevel{{
		Id:                     l.GetId(),
		AccessLevel:            l.GetLevel(),
		AccessLevelDescription: accessLevelDescription(l.GetLevel()),
	}}
}

func toProtectedBranch(pb *storagev1.ProtectedBranch) *signalboxv1.ProtectedBranch {
	return &signalboxv1.ProtectedBranch{
		Id:                        pb.GetId(),
		Name:                      pb.GetName(),
		PushAccessLevels:          toAccessLevels(pb.GetPush()),
		MergeAccessLevels:         toAccessLevels(pb.GetMerge()),
		UnprotectAccessLevels:     toAccessLevels(pb.GetUnprotect()),
		AllowForcePush:            pb.GetAllowForcePush(),
		CodeOwnerApprovalRequired: pb.GetCodeOwnerApprovalRequired(),
	}
}

// toStatusCheck converts a check as its settings show it, URL included as
// configured; see shownCheckURL for everywhere else.
func toStatusCheck(c *statuscheck.Check) *signalboxv1.ExternalStatusCheck {
	out := &signalboxv1.ExternalStatusCheck{
		Id:             c.Record.GetId(),
		ProjectId:      c.Record.GetProjectId(),
		Name:           c.Record.GetName(),
		ExternalUrl:    c.Record.GetExternalUrl(),
		Hmac:           c.HasSecret(),
		TimeoutSeconds: c.Record.GetTimeoutSeconds(),
	}
	for _, pb := range c.ProtectedBranches {
		out.ProtectedBranches = append(out.ProtectedBranches, toProtectedBranch(pb))
	}
	return out
}

// page cuts one page out of items: page counts from 1 and per_page defaults
// to 20, as GitLab's do.
func page[T any](items []T, pageNum, perPage int32) []T {
	if pageNum < 1 {
		pageNum = 1
	}
	if perPage < 1 {
		perPage = 20
	}
	start := int64(pageNum-1) * int64(perPage)
	if start >= int64(len(items)) {
		return nil
	}
	end := min(start+int64(perPage), int64(len(items)))
	return items[start:end]
}

func (u urls) mergeRequest(p *storagev1.Project, iid int64) string {
	return u.project(fullPath(p)) + "/-/merge_requests/" + strconv.FormatInt(iid, 10)
}

// toMergeRequest converts a merge request view. Users are shown without
// their email.
func (u urls) toMergeRequest(p *storagev1.Project, v *mergerequest.View) *signalboxv1.MergeRequest {
	mr := v.MergeRequest
	out := &signalboxv1.MergeRequest{
		Id:                        mr.GetId(),
		Iid:                       mr.GetIid(),
		ProjectId:                 mr.GetProjectId(),
		Title:                     mr.GetTitle(),
		Description:               mr.GetDescription(),
		State:                     signalboxv1.MergeRequestState(mr.GetState()),
		SourceBranch:              mr.GetSourceBranch(),
		TargetBranch:              mr.GetTargetBranch(),
		Sha:                       mr.GetHeadSha(),
		DiffRefs:                  &signalboxv1.DiffRefs{BaseSha: mr.GetBaseSha(), HeadSha: mr.GetHeadSha(), StartSha: mr.GetStartSha()},
		Draft:                     mr.GetDraft(),
		CreateTime:                mr.GetCreateTime(),
		UpdateTime:                mr.GetUpdateTime(),
		MergeTime:                 mr.GetMergeTime(),
		CloseTime:                 mr.GetCloseTime(),
		WebUrl:                    u.mergeRequest(p, mr.GetIid()),
		DetailedMergeStatus:       detailedMergeStatus(v.Mergeability.Status),
		MergeCommitSha:            mr.GetMergeCommitSha(),
		SquashCommitSha:           mr.GetSquashCommitSha(),
		Squash:                    mr.GetSquash(),
		HasConflicts:              v.Mergeability.HasConflicts,
		HeadPipeline:              u.toPipeline(p, v.HeadPipeline, v.HeadPipelineUser),
		MergeWhenPipelineSucceeds: mr.GetAutoMergeStrategy() != "",
		AutoMergeStrategy:         mr.GetAutoMergeStrategy(),
	}
	if v.Author != nil {
		out.Author = u.toUser(v.Author, false)
	}
	if v.MergeUser != nil {
		out.MergeUser = u.toUser(v.MergeUser, false)
	}
	return out
}

func detailedMergeStatus(s mergerequest.Status) signalboxv1.DetailedMergeStatus {
	switch s {
	case mergerequest.StatusMergeable:
		return signalboxv1.DetailedMergeStatus_DETAILED_MERGE_STATUS_MERGEABLE
	case mergerequest.StatusNotOpen:
		return signalboxv1.DetailedMergeStatus_DETAILED_MERGE_STATUS_NOT_OPEN
	case mergerequest.StatusDraft:
		return signalboxv1.DetailedMergeStatus_DETAILED_MERGE_STATUS_DRAFT_STATUS
	case mergerequest.StatusBroken:
		return signalboxv1.DetailedMergeStatus_DETAILED_MERGE_STATUS_BROKEN_STATUS
	case mergerequest.StatusConflict:
		return signalboxv1.DetailedMergeStatus_DETAILED_MERGE_STATUS_CONFLICT
	case mergerequest.StatusNeedRebase:
		return signalboxv1.DetailedMergeStatus_DETAILED_MERGE_STATUS_NEED_REBASE
	case mergerequest.StatusStatusChecksMustPass:
		return signalboxv1.DetailedMergeStatus_DETAILED_MERGE_STATUS_STATUS_CHECKS_MUST_PASS
	case mergerequest.StatusCIMustPass:
		return signalboxv1.DetailedMergeStatus_DETAILED_MERGE_STATUS_CI_MUST_PASS
	case mergerequest.StatusCIStillRunning:
		return signalboxv1.DetailedMergeStatus_DETAILED_MERGE_STATUS_CI_STILL_RUNNING
	}
	return signalboxv1.DetailedMergeStatus_DETAILED_MERGE_STATUS_CHECKING
}

// toMergeRequestStatusCheck converts a check's status at a merge request,
// with its URL as the caller with scope sc may see it.
func toMergeRequestStatusCheck(sc *project.Scope, c statuscheck.CheckStatus) *signalboxv1.MergeRequestStatusCheck {
	return &signalboxv1.MergeRequestStatusCheck{
		Id:          c.Check.Record.GetId(),
		Name:        c.Check.Record.GetName(),
		ExternalUrl: shownCheckURL(sc.Level, c.Check.Record.GetExternalUrl()),
		Status:      c.Status,
	}
}

func toDelivery(d *storagev1.Delivery) *signalboxv1.Delivery {
	out := &signalboxv1.Delivery{
		Id:              d.GetId(),
		CheckId:         d.GetCheckId(),
		MergeRequestIid: d.GetMergeRequestIid(),
		Event:           d.GetEvent(),
		Sha:             d.GetSha(),
		State:           signalboxv1.DeliveryState(d.GetState()),
		CreateTime:      d.GetCreateTime(),
		WebhookId:       d.GetWebhookId(),
	}
	for _, a := range d.GetAttempts() {
		out.Attempts = append(out.Attempts, &signalboxv1.DeliveryAttempt{
			Number: a.GetNumber(), Time: a.GetTime(), HttpStatus: a.GetHttpStatus(),
			DurationMs: a.GetDurationMs(), Error: a.GetError(),
		})
	}
	return out
}
