package rest

import (
	"net/http"
	"strings"

	signalboxv1 "github.com/signalbox/signalbox/gen/signalbox/v1"
)

// createNote comments on a merge request (GitLab's POST
// .../merge_requests/:iid/notes); the merge request's status checks are
// asked again.
func (h *Handler) createNote(c *call) error {
	iid, err := pathInt64(c.r, "merge_request_iid")
	if err != nil {
		return err
	}
	body, ok, err := c.params.str("body")
	if err != nil {
		return err
	}
	if ok && body != "" && strings.TrimSpace(body) == "" {
		// Present but blank: Grape lets it through and the note's own
		// validation refuses it, in these words.
		c.refuse(failure{400, message{`400 Bad request - Note {:note=>["can't be blank"]}`}})
		return nil
	}
	res, err := h.api.mergeRequests.CreateNote(c.ctx(), &signalboxv1.CreateNoteRequest{
		Project: c.r.PathValue("id"), MergeRequestIid: iid, Body: body,
	})
	if err != nil {
		return err
	}
	return c.ok(http.StatusCreated, newNote(res.GetNote()))
}
