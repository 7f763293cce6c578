package api

import (
	"context"

	storagev1 "github.com/signalbox/signalbox/gen/signalbox/storage/v1"
	signalboxv1 "github.com/signalbox/signalbox/gen/signalbox/v1"
)

func (h mergeRequestHandler) CreateNote(ctx context.Context, req *signalboxv1.CreateNoteRequest) (*signalboxv1.CreateNoteResponse, error) {
	sc := scopeFrom(ctx)
	c, err := h.deps.MergeRequests.Comment(ctx, sc, req.GetMergeRequestIid(), req.GetBody())
	if err != nil {
		return nil, toConnect(ctx, h.logger, err)
	}
	return &signalboxv1.CreateNoteResponse{Note: h.urls.toNote(c.Note, c.MergeRequest, c.Author)}, nil
}

// toNote is a note on mr; author may be nil for a user since deleted.
func (u urls) toNote(n *storagev1.Note, mr *storagev1.MergeRequest, author *storagev1.User) *signalboxv1.Note {
	out := &signalboxv1.Note{
		Id: n.GetId(), Body: n.GetBody(), CreateTime: n.GetCreateTime(), System: n.GetSystem(),
		MergeRequestId: mr.GetId(), MergeRequestIid: mr.GetIid(), ProjectId: mr.GetProjectId(),
	}
	if author != nil {
		out.Author = u.toUser(author, false)
	}
	return out
}
