package delivery

import (
	"context"
	"crypto/rand"
	"encoding/base32"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"google.golang.org/protobuf/types/known/timestamppb"

	storagev1 "github.com/signalbox/signalbox/gen/signalbox/storage/v1"
	signalboxv1 "github.com/signalbox/signalbox/gen/signalbox/v1"
	"github.com/signalbox/signalbox/server/clock"
	"github.com/signalbox/signalbox/server/loop"
	"github.com/signalbox/signalbox/server/statuscheck"
	"github.com/signalbox/signalbox/server/store"
)

// Commits reads the head commit a payload describes.
type Commits interface {
	Commit(ctx context.Context, p *storagev1.Project, sha string) (Commit, error)
}

// Queue turns merge request events into durable deliveries: it builds the
// payload once (so every attempt sends the same bytes) for the caller to
// store with what caused it, and wakes the worker once stored. It
// implements statuscheck.Sender.
type Queue struct {
	store       store.Store
	commits     Commits
	clock       clock.Clock
	logger      *slog.Logger
	externalURL string
	wake        loop.Nudge
}

var _ statuscheck.Sender = (*Queue)(nil)

// NewQueue returns a Queue. externalURL is the base of the URLs in
// payloads; wake is nudged after every enqueue.
func NewQueue(st store.Store, commits Commits, clk clock.Clock, logger *slog.Logger, externalURL string, wake loop.Nudge) *Queue {
	return &Queue{store: st, commits: commits, clock: clk, logger: logger, externalURL: strings.TrimRight(externalURL, "/"), wake: wake}
}

// Deliveries builds one pending delivery per event, due now, without
// storing them. Events of one change share their head commit and actor,
// which are read once.
func (q *Queue) Deliveries(ctx context.Context, outs []statuscheck.Outgoing) ([]*storagev1.Delivery, error) {
	now := q.clock.Now()
	reads := payloadReads{commits: map[string]Commit{}, users: map[int64]*storagev1.User{}}
	out := make([]*storagev1.Delivery, 0, len(outs))
	for _, o := range outs {
		body, err := q.payload(ctx, o, &reads)
		if err != nil {
			return nil, err
		}
		sha := o.MergeRequest.GetHeadSha()
		if o.Car != nil {
			sha = o.Car.SHA
		}
		out = append(out, &storagev1.Delivery{
			ProjectId:       o.Project.GetId(),
			CheckId:         o.Check.GetId(),
			MergeRequestIid: o.MergeRequest.GetIid(),
			Event:           o.Action,
			Sha:             sha,
			WebhookId:       newWebhookID(),
			Payload:         body,
			CreateTime:      timestamppb.New(now),
			Deadline:        timestamppb.New(o.Deadline),
			State:           int32(signalboxv1.DeliveryState_DELIVERY_STATE_PENDING),
			NextAttemptTime: timestamppb.New(now),
		})
	}
	return out, nil
}

// Queued wakes the worker: deliveries were stored.
func (q *Queue) Queued() { q.wake.Wake() }

// Resend queues a copy of an earlier delivery with the same payload and
// webhook id, so a receiver that deduplicates by id sees the same event.
func (q *Queue) Resend(ctx context.Context, old *storagev1.Delivery, deadline time.Time) (*storagev1.Delivery, error) {
	now := q.clock.Now()
	d, err := q.store.Deliveries().Enqueue(ctx, &storagev1.Delivery{
		ProjectId:       old.GetProjectId(),
		CheckId:         old.GetCheckId(),
		MergeRequestIid: old.GetMergeRequestIid(),
		Event:           "redeliver",
		Sha:             old.GetSha(),
		WebhookId:       old.GetWebhookId(),
		Payload:         old.GetPayload(),
		CreateTime:      timestamppb.New(now),
		Deadline:        timestamppb.New(deadline),
		State:           int32(signalboxv1.DeliveryState_DELIVERY_STATE_PENDING),
		NextAttemptTime: timestamppb.New(now),
	})
	if err != nil {
		return nil, err
	}
	q.wake.Wake()
	return d, nil
}

// payloadReads caches what payloads of one change read from git and the
// store.
type payloadReads struct {
	commits map[string]Commit
	users   map[int64]*storagev1.User
}

// payload builds the body for o. A retry sends GitLab's retry payload,
// which has no action; so does a comment, for which GitLab's merge request
// payload has no action either.
func (q *Queue) payload(ctx context.Context, o statuscheck.Outgoing, reads *payloadReads) ([]byte, error) {
	p, mr := o.Project, o.MergeRequest
	fullPath := p.GetNamespacePath() + "/" + p.GetPath()
	web := q.externalURL + "/" + fullPath
	commit, ok := reads.commits[mr.GetHeadSha()]
	if !ok {
		var err error
		if commit, err = q.commits.Commit(ctx, p, mr.GetHeadSha()); err != nil {
			return nil, fmt.Errorf("read head commit: %w", err)
		}
		reads.commits[mr.GetHeadSha()] = commit
	}
	actor, ok := reads.users[o.ActorID]
	if !ok {
		var err error
		if actor, err = q.user(ctx, o.ActorID); err != nil {
			return nil, err
		}
		reads.users[o.ActorID] = actor
	}
	action := o.Action
	switch action {
	case statuscheck.ActionRetry, statuscheck.ActionComment:
		action = ""
	}
	ev := &Event{
		Project: Project{
			ID: p.GetId(), Name: p.GetName(), Description: p.GetDescription(),
			PathWithNamespace: fullPath, Namespace: p.GetNamespaceName(), WebURL: web, HTTPURL: web + ".git",
			DefaultBranch: p.GetDefaultBranch(), Visibility: visibilityLevel(p.GetVisibility()),
		},
		MergeRequest: MergeRequest{
			ID: mr.GetId(), IID: mr.GetIid(), Title: mr.GetTitle(), Description: mr.GetDescription(),
			State:        stateName(mr.GetState()),
			SourceBranch: mr.GetSourceBranch(), TargetBranch: mr.GetTargetBranch(), AuthorID: mr.GetAuthorId(),
			CreatedAt: mr.GetCreateTime().AsTime(), UpdatedAt: mr.GetUpdateTime().AsTime(),
			WebURL:              fmt.Sprintf("%s/-/merge_requests/%d", web, mr.GetIid()),
			DetailedMergeStatus: o.MergeStatus,
			MergeStatus:         legacyMergeStatus(o.MergeStatus),
			Draft:               mr.GetDraft(),
			MergeCommitSHA:      mr.GetMergeCommitSha(),
			LastEditedAt:        timeOrZero(mr.GetLastEditTime()),
			LastEditedByID:      mr.GetLastEditedById(),
			UpdatedByID:         mr.GetUpdatedById(),
		},
		User:   User{ID: actor.GetId(), Name: actor.GetName(), Username: actor.GetUsername()},
		Commit: commit,
		Action: action,
		OldRev: o.OldRev,
		Check:  Check{ID: o.Check.GetId(), Name: o.Check.GetName(), URL: o.Check.GetExternalUrl()},
	}
	for _, c := range o.Changes {
		ev.Changes = append(ev.Changes, Change{Name: c.Name, Previous: c.Previous, Current: c.Current})
	}
	if c := o.Car; c != nil {
		ev.MergeTrain = &MergeTrain{CarID: c.ID, TrainRef: c.TrainRef, CarSHA: c.SHA, TargetBranch: c.TargetBranch, Position: c.Position}
	}
	return Payload(ev)
}

// timeOrZero is t, or the zero time when t is unset (AsTime would give the
// Unix epoch).
func timeOrZero(t *timestamppb.Timestamp) time.Time {
	if t == nil {
		return time.Time{}
	}
	return t.AsTime()
}

func (q *Queue) user(ctx context.Context, id int64) (*storagev1.User, error) {
	if id == 0 {
		return &storagev1.User{}, nil
	}
	return q.store.Users().Get(ctx, id)
}

func visibilityLevel(v int32) VisibilityLevel {
	switch signalboxv1.Visibility(v) {
	case signalboxv1.Visibility_VISIBILITY_PUBLIC:
		return VisibilityPublic
	case signalboxv1.Visibility_VISIBILITY_INTERNAL:
		return VisibilityInternal
	}
	return VisibilityPrivate
}

func stateName(s int32) string {
	return lower(signalboxv1.MergeRequestState(s).String(), "MERGE_REQUEST_STATE_")
}

// lower turns an enum name into GitLab's word.
func lower(name, prefix string) string { return strings.ToLower(strings.TrimPrefix(name, prefix)) }

func legacyMergeStatus(detailed string) string {
	switch detailed {
	case "":
		return ""
	case "conflict":
		return "cannot_be_merged"
	}
	return "can_be_merged"
}

// newWebhookID is a Standard Webhooks message id: unique per event, the same
// for every attempt of it.
func newWebhookID() string {
	b := make([]byte, 15)
	_, _ = rand.Read(b)
	return "msg_" + strings.ToLower(base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString(b))
}
