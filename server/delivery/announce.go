package delivery

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"time"

	"google.golang.org/protobuf/types/known/timestamppb"

	storagev1 "github.com/signalbox/signalbox/gen/signalbox/storage/v1"
	signalboxv1 "github.com/signalbox/signalbox/gen/signalbox/v1"
	"github.com/signalbox/signalbox/server/store"
)

// hookDeadline bounds how long a pipeline hook is retried: CI that is down
// longer than this has missed the pipeline anyway.
const hookDeadline = 10 * time.Minute

var mergeRequestRef = regexp.MustCompile(`^refs/merge-requests/(\d+)/`)

// AnnouncePipeline queues a pipeline hook (X-Gitlab-Event: Pipeline Hook)
// to every hook of the project that wants pipeline events, so CI hears about
// merge train pipelines it must run.
func (q *Queue) AnnouncePipeline(ctx context.Context, p *storagev1.Project, pl *storagev1.Pipeline) error {
	hooks, err := q.store.Hooks().List(ctx, p.GetId())
	if err != nil {
		return err
	}
	var targets []*storagev1.ProjectHook
	for _, h := range hooks {
		if h.GetPipelineEvents() {
			targets = append(targets, h)
		}
	}
	if len(targets) == 0 {
		return nil
	}
	body, mrIID, err := q.pipelinePayload(ctx, p, pl)
	if err != nil {
		return err
	}
	now := q.clock.Now()
	for _, h := range targets {
		if _, err := q.store.Deliveries().Enqueue(ctx, &storagev1.Delivery{
			ProjectId:       p.GetId(),
			HookId:          h.GetId(),
			MergeRequestIid: mrIID,
			Event:           "pipeline",
			GitlabEvent:     "Pipeline Hook",
			Sha:             pl.GetSha(),
			WebhookId:       newWebhookID(),
			Payload:         body,
			CreateTime:      timestamppb.New(now),
			Deadline:        timestamppb.New(now.Add(hookDeadline)),
			State:           int32(signalboxv1.DeliveryState_DELIVERY_STATE_PENDING),
			NextAttemptTime: timestamppb.New(now),
		}); err != nil {
			return err
		}
	}
	q.wake.Wake()
	return nil
}

func (q *Queue) pipelinePayload(ctx context.Context, p *storagev1.Project, pl *storagev1.Pipeline) ([]byte, int64, error) {
	fullPath := p.GetNamespacePath() + "/" + p.GetPath()
	web := q.externalURL + "/" + fullPath
	commit, err := q.commits.Commit(ctx, p, pl.GetSha())
	if err != nil {
		return nil, 0, fmt.Errorf("read pipeline commit: %w", err)
	}
	user, err := q.user(ctx, pl.GetUserId())
	if err != nil {
		return nil, 0, err
	}
	ev := &PipelineEvent{
		Project: Project{
			ID: p.GetId(), Name: p.GetName(), Description: p.GetDescription(), PathWithNamespace: fullPath,
			Namespace: p.GetNamespaceName(), WebURL: web, HTTPURL: web + ".git", DefaultBranch: p.GetDefaultBranch(),
			Visibility: visibilityLevel(p.GetVisibility()),
		},
		ID: pl.GetId(), IID: pl.GetIid(), Ref: pl.GetRef(), SHA: pl.GetSha(), BeforeSHA: pl.GetBeforeSha(),
		Source: pl.GetSource(), Status: pipelineStatusName(pl.GetStatus()),
		CreatedAt: pl.GetCreateTime().AsTime(), WebURL: fmt.Sprintf("%s/-/pipelines/%d", web, pl.GetId()),
		User: User{ID: user.GetId(), Name: user.GetName(), Username: user.GetUsername()}, Commit: commit,
	}
	if pl.GetFinishTime() != nil {
		ev.FinishedAt = pl.GetFinishTime().AsTime()
	}
	var iid int64
	if m := mergeRequestRef.FindStringSubmatch(pl.GetRef()); m != nil {
		iid, _ = strconv.ParseInt(m[1], 10, 64)
		mr, err := q.store.MergeRequests().Get(ctx, p.GetId(), iid)
		if err != nil && !errors.Is(err, store.ErrNotFound) {
			return nil, 0, err
		}
		if mr != nil {
			ev.MergeRequest = &MergeRequest{
				ID: mr.GetId(), IID: mr.GetIid(), Title: mr.GetTitle(), SourceBranch: mr.GetSourceBranch(),
				TargetBranch: mr.GetTargetBranch(), State: stateName(mr.GetState()),
				WebURL: fmt.Sprintf("%s/-/merge_requests/%d", web, mr.GetIid()),
			}
		}
	}
	body, err := PipelinePayload(ev)
	return body, iid, err
}

func pipelineStatusName(s int32) string {
	return lower(signalboxv1.PipelineStatus(s).String(), "PIPELINE_STATUS_")
}
