// Package note writes system notes on merge requests: GitLab's record of
// what happened to one (set to auto-merge, dropped from a train, and why).
package note

import (
	"context"
	"log/slog"

	"google.golang.org/protobuf/types/known/timestamppb"

	storagev1 "github.com/signalbox/signalbox/gen/signalbox/storage/v1"
	"github.com/signalbox/signalbox/server/clock"
	"github.com/signalbox/signalbox/server/store"
)

// Writer writes system notes.
type Writer struct {
	notes  store.Notes
	clock  clock.Clock
	logger *slog.Logger
}

// NewWriter returns a Writer.
func NewWriter(notes store.Notes, c clock.Clock, logger *slog.Logger) Writer {
	return Writer{notes: notes, clock: c, logger: logger}
}

// System writes a system note by authorID on a merge request. A note with a
// key is written once whatever happens (a retry after a crash, a second
// replica); key "" writes every time. A failure is logged, not returned:
// the change the note tells of has happened.
func (w Writer) System(ctx context.Context, projectID, iid, authorID int64, body, key string) {
	if _, err := w.notes.Add(ctx, &storagev1.Note{
		ProjectId: projectID, MergeRequestIid: iid, AuthorId: authorID, Body: body, System: true,
		CreateTime: timestamppb.New(w.clock.Now()),
	}, key); err != nil {
		w.logger.ErrorContext(ctx, "write note", "project_id", projectID, "mr_iid", iid, "error", err)
	}
}
