package rest

import signalboxv1 "github.com/signalbox/signalbox/gen/signalbox/v1"

// userBasic is GitLab's UserBasic entity, nested in other entities.
type userBasic struct {
	ID        int64   `json:"id"`
	Username  string  `json:"username"`
	Name      string  `json:"name"`
	State     string  `json:"state"`
	Locked    bool    `json:"locked"`
	AvatarURL *string `json:"avatar_url"`
	WebURL    string  `json:"web_url"`
}

func newUserBasic(u *signalboxv1.User) *userBasic {
	if u == nil {
		return nil
	}
	return &userBasic{
		ID:       u.GetId(),
		Username: u.GetUsername(),
		Name:     u.GetName(),
		State:    userState(u.GetState()),
		Locked:   u.GetState() == signalboxv1.UserState_USER_STATE_BLOCKED,
		WebURL:   u.GetWebUrl(),
	}
}

func userState(s signalboxv1.UserState) string {
	if s == signalboxv1.UserState_USER_STATE_BLOCKED {
		return "blocked"
	}
	return "active"
}

// user is GitLab's User entity as a user sees themself, and as an
// administrator sees anyone (then with is_admin).
type user struct {
	ID               int64      `json:"id"`
	Username         string     `json:"username"`
	Name             string     `json:"name"`
	State            string     `json:"state"`
	Locked           bool       `json:"locked"`
	AvatarURL        *string    `json:"avatar_url"`
	WebURL           string     `json:"web_url"`
	CreatedAt        gitlabTime `json:"created_at"`
	Bio              string     `json:"bio"`
	Location         *string    `json:"location"`
	PublicEmail      *string    `json:"public_email"`
	Linkedin         string     `json:"linkedin"`
	Twitter          string     `json:"twitter"`
	Discord          string     `json:"discord"`
	WebsiteURL       string     `json:"website_url"`
	Organization     string     `json:"organization"`
	JobTitle         string     `json:"job_title"`
	Pronouns         *string    `json:"pronouns"`
	Bot              bool       `json:"bot"`
	WorkInformation  *string    `json:"work_information"`
	LocalTime        *string    `json:"local_time"`
	LastSignInAt     *string    `json:"last_sign_in_at"`
	ConfirmedAt      gitlabTime `json:"confirmed_at"`
	LastActivityOn   *string    `json:"last_activity_on"`
	Email            string     `json:"email"`
	ThemeID          int        `json:"theme_id"`
	ColorSchemeID    int        `json:"color_scheme_id"`
	ProjectsLimit    int        `json:"projects_limit"`
	CurrentSignInAt  *string    `json:"current_sign_in_at"`
	Identities       []struct{} `json:"identities"`
	CanCreateGroup   bool       `json:"can_create_group"`
	CanCreateProject bool       `json:"can_create_project"`
	TwoFactorEnabled bool       `json:"two_factor_enabled"`
	External         bool       `json:"external"`
	PrivateProfile   bool       `json:"private_profile"`
	CommitEmail      string     `json:"commit_email"`
	IsAdmin          *bool      `json:"is_admin,omitempty"`
}

func newUser(u *signalboxv1.User, showAdmin bool) *user {
	out := &user{
		ID:               u.GetId(),
		Username:         u.GetUsername(),
		Name:             u.GetName(),
		State:            userState(u.GetState()),
		Locked:           u.GetState() == signalboxv1.UserState_USER_STATE_BLOCKED,
		WebURL:           u.GetWebUrl(),
		CreatedAt:        ts(u.GetCreateTime()),
		Bot:              u.GetBot(),
		ConfirmedAt:      ts(u.GetCreateTime()),
		Email:            u.GetEmail(),
		ThemeID:          1,
		ColorSchemeID:    1,
		ProjectsLimit:    100000,
		Identities:       []struct{}{},
		CanCreateGroup:   false,
		CanCreateProject: true,
		CommitEmail:      u.GetEmail(),
	}
	if showAdmin {
		admin := u.GetAdmin()
		out.IsAdmin = &admin
	}
	return out
}
