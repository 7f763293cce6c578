package rest

import signalboxv1 "github.com/signalbox/signalbox/gen/signalbox/v1"

// personalAccessToken is GitLab's PersonalAccessTokenWithToken entity.
type personalAccessToken struct {
	ID          int64      `json:"id"`
	Name        string     `json:"name"`
	Revoked     bool       `json:"revoked"`
	CreatedAt   gitlabTime `json:"created_at"`
	Description *string    `json:"description"`
	Scopes      []string   `json:"scopes"`
	UserID      int64      `json:"user_id"`
	LastUsedAt  *string    `json:"last_used_at"`
	Active      bool       `json:"active"`
	ExpiresAt   date       `json:"expires_at"`
	Token       string     `json:"token,omitempty"`
}

func newPersonalAccessToken(t *signalboxv1.PersonalAccessToken) *personalAccessToken {
	scopes := t.GetScopes()
	if scopes == nil {
		scopes = []string{}
	}
	return &personalAccessToken{
		ID:        t.GetId(),
		Name:      t.GetName(),
		Revoked:   t.GetRevoked(),
		CreatedAt: ts(t.GetCreateTime()),
		Scopes:    scopes,
		UserID:    t.GetUserId(),
		Active:    t.GetActive(),
		ExpiresAt: date(t.GetExpiresAt()),
		Token:     t.GetToken(),
	}
}
