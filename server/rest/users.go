package rest

import (
	"net/http"
	"slices"

	signalboxv1 "github.com/signalbox/signalbox/gen/signalbox/v1"
)

func (h *Handler) currentUser(c *call) error {
	res, err := h.api.users.GetCurrentUser(c.ctx(), &signalboxv1.GetCurrentUserRequest{})
	if err != nil {
		return err
	}
	u := res.GetUser()
	return c.ok(http.StatusOK, newUser(u, u.GetAdmin()))
}

func (h *Handler) getUser(c *call) error {
	id, err := pathInt64(c.r, "user_id")
	if err != nil {
		return err
	}
	res, err := h.api.users.GetUser(c.ctx(), &signalboxv1.GetUserRequest{UserId: id})
	if err != nil {
		return err
	}
	return c.ok(http.StatusOK, newUserBasic(res.GetUser()))
}

// createUser is POST /users. Signalbox signs users in with tokens only, so
// it takes GitLab's password parameters (one is still required, as in
// GitLab) but neither uses nor stores them.
func (h *Handler) createUser(c *call) error {
	req := &signalboxv1.CreateUserRequest{}
	var err error
	if req.Email, _, err = c.params.str("email"); err != nil {
		return err
	}
	if req.Name, _, err = c.params.str("name"); err != nil {
		return err
	}
	if req.Username, _, err = c.params.str("username"); err != nil {
		return err
	}
	if req.Admin, _, err = c.params.bool("admin"); err != nil {
		return err
	}
	if !c.params.has("password") && !c.params.has("reset_password") && !c.params.has("force_random_password") {
		if req.Email != "" && req.Name != "" && req.Username != "" {
			c.refuse(failure{400, errorBody{"password, reset_password, force_random_password are missing, at least one parameter must be provided"}})
			return nil
		}
	}
	c.override = func(e apiError) (failure, bool) {
		if fields := e.problem.GetFields(); len(fields) > 0 {
			if slices.Contains(fields, "email") {
				return failure{409, message{"Email has already been taken"}}, true
			}
			return failure{409, message{"Username has already been taken"}}, true
		}
		return failure{}, false
	}
	res, err := h.api.users.CreateUser(c.ctx(), req)
	if err != nil {
		return err
	}
	return c.ok(http.StatusCreated, newUser(res.GetUser(), true))
}

func (h *Handler) createPersonalAccessToken(c *call) error {
	id, err := pathInt64(c.r, "user_id")
	if err != nil {
		return err
	}
	req := &signalboxv1.CreatePersonalAccessTokenRequest{UserId: id}
	if req.Name, _, err = c.params.str("name"); err != nil {
		return err
	}
	if req.Scopes, _, err = c.params.list("scopes"); err != nil {
		return err
	}
	if req.ExpiresAt, _, err = c.params.str("expires_at"); err != nil {
		return err
	}
	res, err := h.api.users.CreatePersonalAccessToken(c.ctx(), req)
	if err != nil {
		return err
	}
	// The answer holds a live secret: no cache, shared or private, may keep it.
	c.w.Header().Set("Cache-Control", "no-store")
	return c.ok(http.StatusCreated, newPersonalAccessToken(res.GetToken()))
}

// revokeCurrentToken is DELETE /personal_access_tokens/self: the token the
// request is made with stops working, and the answer is 204.
func (h *Handler) revokeCurrentToken(c *call) error {
	if _, err := h.api.users.RevokeCurrentPersonalAccessToken(c.ctx(), &signalboxv1.RevokeCurrentPersonalAccessTokenRequest{}); err != nil {
		return err
	}
	return c.noContent()
}
