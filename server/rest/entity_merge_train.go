package rest

import (
	signalboxv1 "github.com/signalbox/signalbox/gen/signalbox/v1"
)

// mergeTrainCar is GitLab's MergeTrains::Car entity: one merge request's
// place on its target branch's train.
type mergeTrainCar struct {
	ID           int64           `json:"id"`
	MergeRequest carMergeRequest `json:"merge_request"`
	User         *userBasic      `json:"user"`
	Pipeline     *pipelineBasic  `json:"pipeline"`
	CreatedAt    gitlabTime      `json:"created_at"`
	UpdatedAt    gitlabTime      `json:"updated_at"`
	TargetBranch string          `json:"target_branch"`
	Status       string          `json:"status"`
	MergedAt     gitlabTime      `json:"merged_at"`
	Duration     *int64          `json:"duration"`
}

// carMergeRequest is GitLab's MergeRequestSimple subset a car shows.
type carMergeRequest struct {
	ID          int64      `json:"id"`
	IID         int64      `json:"iid"`
	ProjectID   int64      `json:"project_id"`
	Title       string     `json:"title"`
	Description string     `json:"description"`
	State       string     `json:"state"`
	CreatedAt   gitlabTime `json:"created_at"`
	UpdatedAt   gitlabTime `json:"updated_at"`
	WebURL      string     `json:"web_url"`
}

func newMergeTrainCar(c *signalboxv1.MergeTrainCar) mergeTrainCar {
	mr := c.GetMergeRequest()
	return mergeTrainCar{
		ID: c.GetId(),
		MergeRequest: carMergeRequest{
			ID: mr.GetId(), IID: mr.GetIid(), ProjectID: mr.GetProjectId(), Title: mr.GetTitle(),
			Description: mr.GetDescription(), State: mr.GetState(),
			CreatedAt: ts(mr.GetCreateTime()), UpdatedAt: ts(mr.GetUpdateTime()), WebURL: mr.GetWebUrl(),
		},
		User:         newUserBasic(c.GetUser()),
		Pipeline:     newPipelineBasic(c.GetPipeline()),
		CreatedAt:    ts(c.GetCreateTime()),
		UpdatedAt:    ts(c.GetUpdateTime()),
		TargetBranch: c.GetTargetBranch(),
		Status:       enumName(c.GetStatus().String(), "MERGE_TRAIN_CAR_STATUS_"),
		MergedAt:     ts(c.GetMergedTime()),
		Duration:     c.Duration,
	}
}

func newMergeTrainCars(cars []*signalboxv1.MergeTrainCar) []mergeTrainCar {
	out := make([]mergeTrainCar, 0, len(cars))
	for _, c := range cars {
		out = append(out, newMergeTrainCar(c))
	}
	return out
}

// note is GitLab's Note entity; Signalbox writes system notes only, such as
// why a merge request left its train.
type note struct {
	ID              int64      `json:"id"`
	Type            *string    `json:"type"`
	Body            string     `json:"body"`
	Author          *userBasic `json:"author"`
	CreatedAt       gitlabTime `json:"created_at"`
	UpdatedAt       gitlabTime `json:"updated_at"`
	System          bool       `json:"system"`
	NoteableID      int64      `json:"noteable_id"`
	NoteableType    string     `json:"noteable_type"`
	ProjectID       int64      `json:"project_id"`
	CommitID        *string    `json:"commit_id"`
	Resolvable      bool       `json:"resolvable"`
	Confidential    bool       `json:"confidential"`
	Internal        bool       `json:"internal"`
	Imported        bool       `json:"imported"`
	ImportedFrom    string     `json:"imported_from"`
	NoteableIID     int64      `json:"noteable_iid"`
	CommandsChanges struct{}   `json:"commands_changes"`
}

func newNote(n *signalboxv1.Note) note {
	return note{
		ID: n.GetId(), Body: n.GetBody(), Author: newUserBasic(n.GetAuthor()),
		CreatedAt: ts(n.GetCreateTime()), UpdatedAt: ts(n.GetCreateTime()), System: n.GetSystem(),
		NoteableID: n.GetMergeRequestId(), NoteableType: "MergeRequest", ProjectID: n.GetProjectId(),
		ImportedFrom: "none", NoteableIID: n.GetMergeRequestIid(),
	}
}
