package project

import (
	"cmp"
	"context"
	"regexp"
	"slices"
	"strings"
	"unicode/utf8"

	storagev1 "github.com/signalbox/signalbox/gen/signalbox/storage/v1"
	"github.com/signalbox/signalbox/server/auth"
)

// ListOptions are GET /projects' filters and order.
type ListOptions struct {
	// Membership keeps the projects the caller is a member of.
	Membership bool
	// Owned keeps the projects in the caller's namespace, GitLab's
	// "owned by the current user".
	Owned bool
	// Search keeps the projects Search matches (see matchesSearch).
	Search string
	// SearchNamespaces matches Search against the namespace/path and
	// namespace / name instead of the path and name.
	SearchNamespaces bool
	// OrderBy is id, name, path, created_at, updated_at or
	// last_activity_at; empty for created_at.
	OrderBy string
	// Descending sorts from the largest down, GitLab's default.
	Descending bool
}

// Find returns the projects the caller can see that opts keeps, in opts'
// order, ties broken by id in the same direction, as GitLab's API does.
// An anonymous caller's Membership and Owned are ignored, as GitLab ignores
// them without a user.
func (s *Service) Find(ctx context.Context, caller *auth.Principal, opts ListOptions) ([]*storagev1.Project, error) {
	all, err := s.List(ctx, caller, opts.Membership)
	if err != nil {
		return nil, err
	}
	out := all[:0]
	for _, p := range all {
		if opts.Owned && caller != nil && p.GetNamespaceId() != caller.UserID {
			continue
		}
		if opts.Search != "" && !matchesSearch(p, opts.Search, opts.SearchNamespaces) {
			continue
		}
		out = append(out, p)
	}
	key := orderKey(opts.OrderBy)
	slices.SortStableFunc(out, func(a, b *storagev1.Project) int {
		c := key(a, b)
		if c == 0 {
			c = cmp.Compare(a.GetId(), b.GetId())
		}
		if opts.Descending {
			return -c
		}
		return c
	})
	return out, nil
}

// orderKey compares two projects by one of GitLab's order_by values.
// Signalbox keeps no updated_at apart from the last activity, which every
// change to a project moves, so updated_at orders by that.
func orderKey(orderBy string) func(a, b *storagev1.Project) int {
	switch orderBy {
	case "id":
		return func(a, b *storagev1.Project) int { return 0 } // the id tie-break decides
	case "name":
		return func(a, b *storagev1.Project) int { return compareFold(a.GetName(), b.GetName()) }
	case "path":
		return func(a, b *storagev1.Project) int { return compareFold(a.GetPath(), b.GetPath()) }
	case "updated_at", "last_activity_at":
		return func(a, b *storagev1.Project) int {
			return a.GetLastActivityTime().AsTime().Compare(b.GetLastActivityTime().AsTime())
		}
	default: // created_at
		return func(a, b *storagev1.Project) int {
			return a.GetCreateTime().AsTime().Compare(b.GetCreateTime().AsTime())
		}
	}
}

// compareFold orders case-insensitively first, as a database collation
// does, then by the exact text so the order is total.
func compareFold(a, b string) int {
	if c := strings.Compare(strings.ToLower(a), strings.ToLower(b)); c != 0 {
		return c
	}
	return strings.Compare(a, b)
}

// searchTerm is a word, or a "quoted phrase", of a search query.
var searchTerm = regexp.MustCompile(`"[^"]+"|[^\s]+`)

// minSearchTermLen is GitLab's MIN_CHARS_FOR_PARTIAL_MATCHING: shorter
// words are left out of a partial match.
const minSearchTermLen = 3

// matchesSearch is GitLab's Project.search (fuzzy_search over path, name
// and description): a column matches when it holds every term of at least
// three characters, case-insensitively; a query with no such term must
// equal a column as a whole. The project matches when any column does.
func matchesSearch(p *storagev1.Project, query string, namespaces bool) bool {
	query = strings.Join(strings.Fields(query), " ")
	if query == "" {
		return true
	}
	var terms []string
	for _, t := range searchTerm.FindAllString(query, -1) {
		t = strings.Trim(t, `"`)
		if utf8.RuneCountInString(t) >= minSearchTermLen {
			terms = append(terms, strings.ToLower(t))
		}
	}
	columns := []string{p.GetPath(), p.GetName(), p.GetDescription()}
	if namespaces {
		columns = []string{
			p.GetNamespacePath() + "/" + p.GetPath(),
			p.GetNamespaceName() + " / " + p.GetName(),
			p.GetDescription(),
		}
	}
	for _, col := range columns {
		col = strings.ToLower(col)
		if len(terms) == 0 {
			if col == strings.ToLower(query) {
				return true
			}
			continue
		}
		all := true
		for _, t := range terms {
			if !strings.Contains(col, t) {
				all = false
				break
			}
		}
		if all {
			return true
		}
	}
	return false
}
