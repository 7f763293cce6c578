package rest

// simpleProject is GitLab's BasicProjectDetails entity, what GET /projects
// answers with simple=true: the project's basics, then the namespace.
// GitLab adds license fields only with license=true, custom attributes only
// with with_custom_attributes, and repository_storage only for
// administrators; Signalbox has none of them.
type simpleProject struct {
	projectBasics
	Namespace namespace `json:"namespace"`
}

func newSimpleProject(p *project) *simpleProject {
	return &simpleProject{projectBasics: p.projectBasics, Namespace: p.Namespace}
}
