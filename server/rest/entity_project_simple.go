package rest

// simpleProject is GitLab's BasicProjectDetails entity, what GET /projects
// answers with simple=true: ProjectIdentity's fields, then the repository's
// addresses and counts and the namespace, in GitLab's order. GitLab adds
// license fields only with license=true, custom attributes only with
// with_custom_attributes, and repository_storage only for administrators;
// Signalbox has none of them.
type simpleProject struct {
	ID                int64      `json:"id"`
	Description       string     `json:"description"`
	Name              string     `json:"name"`
	NameWithNamespace string     `json:"name_with_namespace"`
	Path              string     `json:"path"`
	PathWithNamespace string     `json:"path_with_namespace"`
	CreatedAt         gitlabTime `json:"created_at"`
	DefaultBranch     string     `json:"default_branch"`
	TagList           []string   `json:"tag_list"`
	Topics            []string   `json:"topics"`
	SSHURLToRepo      *string    `json:"ssh_url_to_repo"`
	HTTPURLToRepo     string     `json:"http_url_to_repo"`
	WebURL            string     `json:"web_url"`
	ReadmeURL         *string    `json:"readme_url"`
	ForksCount        int        `json:"forks_count"`
	AvatarURL         *string    `json:"avatar_url"`
	StarCount         int        `json:"star_count"`
	LastActivityAt    gitlabTime `json:"last_activity_at"`
	Namespace         namespace  `json:"namespace"`
}

func newSimpleProject(p *project) *simpleProject {
	return &simpleProject{
		ID:                p.ID,
		Description:       p.Description,
		Name:              p.Name,
		NameWithNamespace: p.NameWithNamespace,
		Path:              p.Path,
		PathWithNamespace: p.PathWithNamespace,
		CreatedAt:         p.CreatedAt,
		DefaultBranch:     p.DefaultBranch,
		TagList:           p.TagList,
		Topics:            p.Topics,
		SSHURLToRepo:      p.SSHURLToRepo,
		HTTPURLToRepo:     p.HTTPURLToRepo,
		WebURL:            p.WebURL,
		ReadmeURL:         p.ReadmeURL,
		ForksCount:        p.ForksCount,
		AvatarURL:         p.AvatarURL,
		StarCount:         p.StarCount,
		LastActivityAt:    p.LastActivityAt,
		Namespace:         p.Namespace,
	}
}
