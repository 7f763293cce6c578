package rest

import signalboxv1 "github.com/signalbox/signalbox/gen/signalbox/v1"

// member is GitLab's Member entity.
type member struct {
	ID              int64      `json:"id"`
	Username        string     `json:"username"`
	Name            string     `json:"name"`
	State           string     `json:"state"`
	Locked          bool       `json:"locked"`
	AvatarURL       *string    `json:"avatar_url"`
	WebURL          string     `json:"web_url"`
	AccessLevel     int32      `json:"access_level"`
	CreatedAt       gitlabTime `json:"created_at"`
	ExpiresAt       date       `json:"expires_at"`
	MembershipState string     `json:"membership_state"`
}

func newMember(m *signalboxv1.Member) *member {
	return &member{
		ID:              m.GetId(),
		Username:        m.GetUsername(),
		Name:            m.GetName(),
		State:           "active",
		WebURL:          m.GetWebUrl(),
		AccessLevel:     m.GetAccessLevel(),
		CreatedAt:       ts(m.GetCreateTime()),
		ExpiresAt:       date(m.GetExpiresAt()),
		MembershipState: "active",
	}
}
