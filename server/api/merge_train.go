package api

import (
	"context"
	"strings"

	storagev1 "github.com/signalbox/signalbox/gen/signalbox/storage/v1"
	signalboxv1 "github.com/signalbox/signalbox/gen/signalbox/v1"
	"github.com/signalbox/signalbox/server/mergetrain"
)

type mergeTrainHandler struct{ handlers }

func (h mergeTrainHandler) ListMergeTrainCars(ctx context.Context, req *signalboxv1.ListMergeTrainCarsRequest) (*signalboxv1.ListMergeTrainCarsResponse, error) {
	sc := scopeFrom(ctx)
	scope := mergetrain.ScopeAll
	switch req.GetScope() {
	case signalboxv1.CarScope_CAR_SCOPE_ACTIVE:
		scope = mergetrain.ScopeActive
	case signalboxv1.CarScope_CAR_SCOPE_COMPLETE:
		scope = mergetrain.ScopeComplete
	}
	all, err := h.deps.MergeTrains.List(ctx, sc, req.GetTargetBranch(), scope, req.GetAscending())
	if err != nil {
		return nil, toConnect(ctx, h.logger, err)
	}
	out := &signalboxv1.ListMergeTrainCarsResponse{TotalSize: int64(len(all))}
	for _, c := range page(all, req.GetPage(), req.GetPerPage()) {
		out.Cars = append(out.Cars, h.urls.toCar(sc.Project, c))
	}
	return out, nil
}

func (h mergeTrainHandler) GetMergeTrainCar(ctx context.Context, req *signalboxv1.GetMergeTrainCarRequest) (*signalboxv1.GetMergeTrainCarResponse, error) {
	sc := scopeFrom(ctx)
	c, err := h.deps.MergeTrains.Get(ctx, sc, req.GetMergeRequestIid())
	if err != nil {
		return nil, toConnect(ctx, h.logger, err)
	}
	return &signalboxv1.GetMergeTrainCarResponse{Car: h.urls.toCar(sc.Project, c)}, nil
}

func (h mergeTrainHandler) AddToMergeTrain(ctx context.Context, req *signalboxv1.AddToMergeTrainRequest) (*signalboxv1.AddToMergeTrainResponse, error) {
	sc := scopeFrom(ctx)
	onTrain, cars, err := h.deps.MergeTrains.Add(ctx, sc, req.GetMergeRequestIid(), mergetrain.AddParams{
		SHA: req.Sha, Squash: req.GetSquash(), AutoMerge: req.GetAutoMerge(),
	})
	if err != nil {
		return nil, toConnect(ctx, h.logger, err)
	}
	out := &signalboxv1.AddToMergeTrainResponse{OnTrain: onTrain}
	for _, c := range cars {
		out.Cars = append(out.Cars, h.urls.toCar(sc.Project, c))
	}
	return out, nil
}

func (h mergeTrainHandler) CancelAutoMerge(ctx context.Context, req *signalboxv1.CancelAutoMergeRequest) (*signalboxv1.CancelAutoMergeResponse, error) {
	sc := scopeFrom(ctx)
	v, err := h.deps.MergeTrains.Cancel(ctx, sc, req.GetMergeRequestIid())
	if err != nil {
		return nil, toConnect(ctx, h.logger, err)
	}
	return &signalboxv1.CancelAutoMergeResponse{MergeRequest: h.mergeRequestFor(ctx, sc, v)}, nil
}

func (h mergeTrainHandler) ListNotes(ctx context.Context, req *signalboxv1.ListNotesRequest) (*signalboxv1.ListNotesResponse, error) {
	sc := scopeFrom(ctx)
	notes, mr, err := h.deps.MergeTrains.Notes(ctx, sc, req.GetMergeRequestIid())
	if err != nil {
		return nil, toConnect(ctx, h.logger, err)
	}
	out := &signalboxv1.ListNotesResponse{}
	for _, n := range notes {
		note := &signalboxv1.Note{
			Id: n.Note.GetId(), Body: n.Note.GetBody(), CreateTime: n.Note.GetCreateTime(), System: n.Note.GetSystem(),
			MergeRequestId: mr.GetId(), MergeRequestIid: mr.GetIid(), ProjectId: mr.GetProjectId(),
		}
		if n.Author != nil {
			note.Author = h.urls.toUser(n.Author, false)
		}
		out.Notes = append(out.Notes, note)
	}
	return out, nil
}

func (u urls) pipeline(p *storagev1.Project, id int64) string {
	return u.project(fullPath(p)) + "/-/pipelines/" + itoa(id)
}

func (u urls) toPipeline(p *storagev1.Project, pl *storagev1.Pipeline, user *storagev1.User) *signalboxv1.Pipeline {
	if pl == nil {
		return nil
	}
	out := &signalboxv1.Pipeline{
		Id: pl.GetId(), Iid: pl.GetIid(), ProjectId: pl.GetProjectId(), Sha: pl.GetSha(), Ref: pl.GetRef(),
		Status: signalboxv1.PipelineStatus(pl.GetStatus()), Source: pl.GetSource(),
		CreateTime: pl.GetCreateTime(), UpdateTime: pl.GetUpdateTime(), StartTime: pl.GetStartTime(), FinishTime: pl.GetFinishTime(),
		WebUrl: u.pipeline(p, pl.GetId()), BeforeSha: pl.GetBeforeSha(),
	}
	if user != nil {
		out.User = u.toUser(user, false)
	}
	return out
}

func (u urls) toCar(p *storagev1.Project, v *mergetrain.CarView) *signalboxv1.MergeTrainCar {
	c, mr := v.Car, v.MergeRequest
	out := &signalboxv1.MergeTrainCar{
		Id: c.GetId(),
		MergeRequest: &signalboxv1.CarMergeRequest{
			Id: mr.GetId(), Iid: mr.GetIid(), ProjectId: mr.GetProjectId(), Title: mr.GetTitle(), Description: mr.GetDescription(),
			State: mergeRequestStateName(mr.GetState()), CreateTime: mr.GetCreateTime(), UpdateTime: mr.GetUpdateTime(),
			WebUrl: u.mergeRequest(p, mr.GetIid()),
		},
		Pipeline:     u.toPipeline(p, v.Pipeline, nil),
		CreateTime:   c.GetCreateTime(),
		UpdateTime:   c.GetUpdateTime(),
		TargetBranch: c.GetTargetBranch(),
		Status:       carStatus(v.Status()),
		MergedTime:   c.GetMergeTime(),
		BatchId:      c.GetBatchId(),
	}
	if v.User != nil {
		out.User = u.toUser(v.User, false)
	}
	for _, ch := range v.Checks {
		out.StatusChecks = append(out.StatusChecks, &signalboxv1.MergeTrainCarCheck{
			CheckId: ch.CheckID, Name: ch.Name, Sha: ch.SHA, Status: ch.Status, ReusedFromSha: ch.ReusedFrom, Obsolete: ch.Obsolete,
		})
	}
	if d, ok := v.Duration(); ok {
		secs := int64(d.Seconds())
		out.Duration = &secs
	}
	return out
}

// carStatus is the API's value for a car state's GitLab name.
func carStatus(name string) signalboxv1.MergeTrainCarStatus {
	return signalboxv1.MergeTrainCarStatus(signalboxv1.MergeTrainCarStatus_value["MERGE_TRAIN_CAR_STATUS_"+strings.ToUpper(name)])
}

// mergeRequestStateName is GitLab's word for a state: "opened", "closed",
// "merged" or "locked".
func mergeRequestStateName(s int32) string {
	return strings.ToLower(strings.TrimPrefix(signalboxv1.MergeRequestState(s).String(), "MERGE_REQUEST_STATE_"))
}
