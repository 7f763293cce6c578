package rest

import (
	"net/http"
	"strings"

	signalboxv1 "github.com/signalbox/signalbox/gen/signalbox/v1"
)

// listMergeTrainCars serves GET merge_trains (every branch) and GET
// merge_trains/:target_branch.
func (h *Handler) listMergeTrainCars(c *call) error {
	page, perPage, err := c.params.pageParams()
	if err != nil {
		return err
	}
	req := &signalboxv1.ListMergeTrainCarsRequest{
		Project: c.r.PathValue("id"), TargetBranch: c.r.PathValue("target_branch"), Page: page, PerPage: perPage,
	}
	var bad []string
	switch s, ok, _ := c.params.str("scope"); {
	case !ok:
	case s == "active":
		req.Scope = signalboxv1.CarScope_CAR_SCOPE_ACTIVE
	case s == "complete":
		req.Scope = signalboxv1.CarScope_CAR_SCOPE_COMPLETE
	default:
		bad = append(bad, "scope does not have a valid value")
	}
	switch s, ok, _ := c.params.str("sort"); {
	case !ok, s == "desc":
	case s == "asc":
		req.Ascending = true
	default:
		bad = append(bad, "sort does not have a valid value")
	}
	if len(bad) > 0 {
		c.refuse(failure{400, errorBody{strings.Join(bad, ", ")}})
		return nil
	}
	res, err := h.api.mergeTrains.ListMergeTrainCars(c.ctx(), req)
	if err != nil {
		return err
	}
	c.paginate(page, perPage, res.GetTotalSize())
	return c.ok(http.StatusOK, newMergeTrainCars(res.GetCars()))
}

func (h *Handler) getMergeTrainCar(c *call) error {
	iid, err := pathInt64(c.r, "merge_request_iid")
	if err != nil {
		return err
	}
	res, err := h.api.mergeTrains.GetMergeTrainCar(c.ctx(), &signalboxv1.GetMergeTrainCarRequest{
		Project: c.r.PathValue("id"), MergeRequestIid: iid,
	})
	if err != nil {
		return err
	}
	return c.ok(http.StatusOK, newMergeTrainCar(res.GetCar()))
}

// addToMergeTrain answers 201 when the merge request now has a car and 202
// when auto-merge was armed instead; both with the whole train.
func (h *Handler) addToMergeTrain(c *call) error {
	iid, err := pathInt64(c.r, "merge_request_iid")
	if err != nil {
		return err
	}
	req := &signalboxv1.AddToMergeTrainRequest{Project: c.r.PathValue("id"), MergeRequestIid: iid}
	if req.Sha, err = c.params.optStr("sha"); err != nil {
		return err
	}
	if req.Squash, _, err = c.params.bool("squash"); err != nil {
		return err
	}
	autoMerge, _, err := c.params.bool("auto_merge")
	if err != nil {
		return err
	}
	// when_pipeline_succeeds is the deprecated name; GitLab ORs the two.
	whenPipelineSucceeds, _, err := c.params.bool("when_pipeline_succeeds")
	if err != nil {
		return err
	}
	req.AutoMerge = autoMerge || whenPipelineSucceeds
	res, err := h.api.mergeTrains.AddToMergeTrain(c.ctx(), req)
	if err != nil {
		return err
	}
	status := http.StatusAccepted
	if res.GetOnTrain() {
		status = http.StatusCreated
	}
	page, perPage, err := c.params.pageParams()
	if err != nil {
		return err
	}
	c.paginate(page, perPage, int64(len(res.GetCars())))
	return c.ok(status, newMergeTrainCars(pageOf(res.GetCars(), page, perPage)))
}

// cancelAutoMerge takes a merge request off its train, or disarms its
// auto-merge (GitLab's cancel_merge_when_pipeline_succeeds).
func (h *Handler) cancelAutoMerge(c *call) error {
	iid, err := pathInt64(c.r, "merge_request_iid")
	if err != nil {
		return err
	}
	res, err := h.api.mergeTrains.CancelAutoMerge(c.ctx(), &signalboxv1.CancelAutoMergeRequest{
		Project: c.r.PathValue("id"), MergeRequestIid: iid,
	})
	if err != nil {
		return err
	}
	return c.ok(http.StatusCreated, h.entity(res.GetMergeRequest()))
}

// listNotes serves a merge request's notes, newest first unless sort=asc:
// among them, why it left a train.
func (h *Handler) listNotes(c *call) error {
	iid, err := pathInt64(c.r, "merge_request_iid")
	if err != nil {
		return err
	}
	page, perPage, err := c.params.pageParams()
	if err != nil {
		return err
	}
	ascending := false
	switch s, ok, _ := c.params.str("sort"); {
	case !ok, s == "desc":
	case s == "asc":
		ascending = true
	default:
		c.refuse(failure{400, errorBody{"sort does not have a valid value"}})
		return nil
	}
	res, err := h.api.mergeTrains.ListNotes(c.ctx(), &signalboxv1.ListNotesRequest{Project: c.r.PathValue("id"), MergeRequestIid: iid})
	if err != nil {
		return err
	}
	notes := res.GetNotes()
	if !ascending {
		reversed := make([]*signalboxv1.Note, len(notes))
		for i, n := range notes {
			reversed[len(notes)-1-i] = n
		}
		notes = reversed
	}
	out := make([]note, 0, perPage)
	for _, n := range pageOf(notes, page, perPage) {
		out = append(out, newNote(n))
	}
	c.paginate(page, perPage, int64(len(notes)))
	return c.ok(http.StatusOK, out)
}

// pageOf is one page of items the API returned whole.
func pageOf[T any](items []T, page, perPage int32) []T {
	start := int(page-1) * int(perPage)
	if start >= len(items) {
		return nil
	}
	return items[start:min(len(items), start+int(perPage))]
}
