package rest

import (
	"strings"

	signalboxv1 "github.com/signalbox/signalbox/gen/signalbox/v1"
)

// namespace is GitLab's NamespaceBasic entity.
type namespace struct {
	ID        int64   `json:"id"`
	Name      string  `json:"name"`
	Path      string  `json:"path"`
	Kind      string  `json:"kind"`
	FullPath  string  `json:"full_path"`
	ParentID  *int64  `json:"parent_id"`
	AvatarURL *string `json:"avatar_url"`
	WebURL    string  `json:"web_url"`
}

// projectBasics are the fields GitLab's project entities begin with, in
// GitLab's order: ProjectIdentity's, then the repository's addresses and
// counts. Embedded, they encode in place.
type projectBasics struct {
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
}

// project is GitLab's Project entity, with the fields Signalbox gives meaning
// to. The last two are Signalbox extensions (see docs/gitlab-compatibility.md).
type project struct {
	projectBasics
	Visibility                            string    `json:"visibility"`
	Namespace                             namespace `json:"namespace"`
	EmptyRepo                             bool      `json:"empty_repo"`
	Archived                              bool      `json:"archived"`
	CreatorID                             int64     `json:"creator_id"`
	OnlyAllowMergeIfPipelineSucceeds      bool      `json:"only_allow_merge_if_pipeline_succeeds"`
	MergeMethod                           string    `json:"merge_method"`
	MergePipelinesEnabled                 bool      `json:"merge_pipelines_enabled"`
	MergeTrainsEnabled                    bool      `json:"merge_trains_enabled"`
	MergeTrainsSkipTrainAllowed           bool      `json:"merge_trains_skip_train_allowed"`
	OnlyAllowMergeIfAllStatusChecksPassed bool      `json:"only_allow_merge_if_all_status_checks_passed"`
	MaxPipelinesPerMergeTrain             int32     `json:"max_pipelines_per_merge_train"`
	StatusCheckTimeoutSeconds             int32     `json:"status_check_timeout_seconds"`
	// A Signalbox extension, shown only when on, so that GitLab's entity is
	// unchanged for projects that do not use it.
	StatusChecksFollowMergeTrain bool `json:"status_checks_follow_merge_train,omitempty"`
}

func newProject(p *signalboxv1.Project) *project {
	s := p.GetSettings()
	ns := p.GetNamespace()
	return &project{
		projectBasics: projectBasics{
			ID:                p.GetId(),
			Description:       p.GetDescription(),
			Name:              p.GetName(),
			NameWithNamespace: p.GetNameWithNamespace(),
			Path:              p.GetPath(),
			PathWithNamespace: p.GetPathWithNamespace(),
			CreatedAt:         ts(p.GetCreateTime()),
			DefaultBranch:     p.GetDefaultBranch(),
			TagList:           []string{},
			Topics:            []string{},
			HTTPURLToRepo:     p.GetHttpUrlToRepo(),
			WebURL:            p.GetWebUrl(),
			LastActivityAt:    ts(p.GetLastActivityTime()),
		},
		Visibility:                            visibilityName(p.GetVisibility()),
		Namespace:                             namespace{ID: ns.GetId(), Name: ns.GetName(), Path: ns.GetPath(), Kind: ns.GetKind(), FullPath: ns.GetFullPath(), WebURL: ns.GetWebUrl()},
		EmptyRepo:                             p.GetEmptyRepo(),
		CreatorID:                             p.GetCreatorId(),
		OnlyAllowMergeIfPipelineSucceeds:      s.GetOnlyAllowMergeIfPipelineSucceeds(),
		MergeMethod:                           mergeMethodName(s.GetMergeMethod()),
		MergePipelinesEnabled:                 s.GetMergePipelinesEnabled(),
		MergeTrainsEnabled:                    s.GetMergeTrainsEnabled(),
		MergeTrainsSkipTrainAllowed:           s.GetMergeTrainsSkipTrainAllowed(),
		OnlyAllowMergeIfAllStatusChecksPassed: s.GetOnlyAllowMergeIfAllStatusChecksPassed(),
		MaxPipelinesPerMergeTrain:             s.GetMaxPipelinesPerMergeTrain(),
		StatusCheckTimeoutSeconds:             s.GetStatusCheckTimeoutSeconds(),
		StatusChecksFollowMergeTrain:          s.GetStatusChecksFollowMergeTrain(),
	}
}

// enumName turns an enum value into GitLab's lower-case word by dropping the
// enum's prefix: VISIBILITY_PUBLIC becomes "public".
func enumName(full, prefix string) string {
	return strings.ToLower(strings.TrimPrefix(full, prefix))
}

func visibilityName(v signalboxv1.Visibility) string {
	return enumName(v.String(), "VISIBILITY_")
}

func mergeMethodName(m signalboxv1.MergeMethod) string {
	return enumName(m.String(), "MERGE_METHOD_")
}

// parseEnum finds the enum value whose GitLab word is word.
func parseEnum[E ~int32](word, prefix string, names map[int32]string) (E, bool) {
	for n, name := range names {
		if n != 0 && enumName(name, prefix) == word {
			return E(n), true
		}
	}
	return 0, false
}
