package rest

import (
	"net/http"

	signalboxv1 "github.com/signalbox/signalbox/gen/signalbox/v1"
)

func (h *Handler) listMembers(c *call) error {
	page, perPage, err := c.params.pageParams()
	if err != nil {
		return err
	}
	query, _, err := c.params.str("query")
	if err != nil {
		return err
	}
	res, err := h.api.members.ListMembers(c.ctx(), &signalboxv1.ListMembersRequest{
		Project: c.r.PathValue("id"), Page: page, PerPage: perPage, Query: query,
	})
	if err != nil {
		return err
	}
	out := make([]*member, 0, len(res.GetMembers()))
	for _, m := range res.GetMembers() {
		out = append(out, newMember(m))
	}
	c.paginate(page, perPage, res.GetTotalSize())
	return c.ok(http.StatusOK, out)
}

func (h *Handler) addMember(c *call) error {
	req := &signalboxv1.AddMemberRequest{Project: c.r.PathValue("id")}
	var err error
	if req.UserId, _, err = c.params.int64("user_id"); err != nil {
		return err
	}
	level, _, err := c.params.int64("access_level")
	if err != nil {
		return err
	}
	req.AccessLevel = int32(level)
	if req.ExpiresAt, _, err = c.params.str("expires_at"); err != nil {
		return err
	}
	res, err := h.api.members.AddMember(c.ctx(), req)
	if err != nil {
		return err
	}
	return c.ok(http.StatusCreated, newMember(res.GetMember()))
}

func (h *Handler) updateMember(c *call) error {
	userID, err := pathInt64(c.r, "user_id")
	if err != nil {
		return err
	}
	req := &signalboxv1.UpdateMemberRequest{Project: c.r.PathValue("id"), UserId: userID}
	level, _, err := c.params.int64("access_level")
	if err != nil {
		return err
	}
	req.AccessLevel = int32(level)
	if req.ExpiresAt, err = c.params.optStr("expires_at"); err != nil {
		return err
	}
	res, err := h.api.members.UpdateMember(c.ctx(), req)
	if err != nil {
		return err
	}
	return c.ok(http.StatusOK, newMember(res.GetMember()))
}

func (h *Handler) removeMember(c *call) error {
	userID, err := pathInt64(c.r, "user_id")
	if err != nil {
		return err
	}
	if _, err := h.api.members.RemoveMember(c.ctx(), &signalboxv1.RemoveMemberRequest{Project: c.r.PathValue("id"), UserId: userID}); err != nil {
		return err
	}
	return c.noContent()
}
