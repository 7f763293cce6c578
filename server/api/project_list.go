package api

import (
	signalboxv1 "github.com/signalbox/signalbox/gen/signalbox/v1"
	"github.com/signalbox/signalbox/server/project"
)

// listOptions reads ListProjects' filters; an empty order is GitLab's
// default, newest first.
func listOptions(req *signalboxv1.ListProjectsRequest) project.ListOptions {
	return project.ListOptions{
		Membership:       req.GetMembership(),
		Owned:            req.GetOwned(),
		Search:           req.GetSearch(),
		SearchNamespaces: req.GetSearchNamespaces(),
		OrderBy:          req.GetOrderBy(),
		Descending:       req.GetSort() != "asc",
	}
}
