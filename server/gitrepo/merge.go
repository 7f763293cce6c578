package gitrepo

import (
	"context"
	"fmt"
	"strconv"
	"strings"
)

// Method is a project's merge method, named as in GitLab's merge_method.
type Method string

// The merge methods.
const (
	// MethodMerge always makes a merge commit.
	MethodMerge Method = "merge"
	// MethodRebaseMerge ("semi-linear history") makes a merge commit, but
	// only when the source already contains the target.
	MethodRebaseMerge Method = "rebase_merge"
	// MethodFastForward makes no merge commit: the target moves to the
	// source, which must contain the target.
	MethodFastForward Method = "ff"
)

// MergeRequestInfo is what GitLab's default merge commit message names.
type MergeRequestInfo struct {
	SourceBranch string
	TargetBranch string
	Title        string
	// ProjectPath and IID make the reference "root/demo!1".
	ProjectPath string
	IID         int64
}

// DefaultMergeMessage is GitLab's default merge commit message:
//
//	Merge branch 'feature' into 'main'
//
//	Add the feature
//
//	See merge request root/demo!1
//
// A missing title or project path leaves its paragraph out.
func DefaultMergeMessage(m MergeRequestInfo) string {
	parts := []string{fmt.Sprintf("Merge branch '%s' into '%s'", m.SourceBranch, m.TargetBranch)}
	if m.Title != "" {
		parts = append(parts, m.Title)
	}
	if m.ProjectPath != "" {
		parts = append(parts, "See merge request "+m.ProjectPath+"!"+strconv.FormatInt(m.IID, 10))
	}
	return strings.Join(parts, "\n\n")
}

// MergeParams say what to merge and how.
type MergeParams struct {
	// Target is the target branch's commit; Source the merge request's head.
	Target string
	Source string
	Method Method
	// Squash first squashes the source's changes into one commit on top of
	// Target (see Squash), then merges that commit by Method.
	Squash bool
	// Message is the merge commit's message; "" means
	// DefaultMergeMessage(Request).
	Message string
	// SquashMessage is the squash commit's message; "" means Request.Title.
	SquashMessage string
	// Request feeds the default messages.
	Request MergeRequestInfo
	// Author and Committer sign the merge commit and, unless SquashAuthor
	// is set, the squash commit. Their times make the result
	// deterministic.
	Author    Signature
	Committer Signature
	// SquashAuthor is the squash commit's author when it has a name (GitLab credits
	// the merge request's author there).
	SquashAuthor Signature
}

// MergeResult is what a merge produced. Nothing has moved yet: the caller
// moves the target branch to SHA with UpdateRef, expecting Target.
type MergeResult struct {
	// SHA is the commit the target branch should point at.
	SHA string
	// MergeCommitSHA is the merge commit; "" for a fast-forward.
	MergeCommitSHA string
	// SquashCommitSHA is the squash commit; "" without squash.
	SquashCommitSHA string
}

// Merge builds the commit that should land when Source merges into Target:
//
//   - MethodMerge: a merge commit with parents [Target, Source];
//   - MethodRebaseMerge: the same, but ErrNeedsRebase unless Source
//     already contains Target;
//   - MethodFastForward: Source itself, or ErrNeedsRebase unless Source
//     contains Target.
//
// With Squash, the squash commit stands in for Source. A conflict is a
// *ConflictError (errors.Is ErrConflict). Only objects are written.
func (r *Repo) Merge(ctx context.Context, p MergeParams) (MergeResult, error) {
	switch p.Method {
	case MethodMerge, MethodRebaseMerge, MethodFastForward:
	default:
		return MergeResult{}, fmt.Errorf("unknown merge method %q", p.Method)
	}
	if p.Method != MethodMerge {
		// As GitLab: these methods require a rebase whether or not the
		// changes are squashed.
		ok, err := r.IsAncestor(ctx, p.Target, p.Source)
		if err != nil {
			return MergeResult{}, err
		}
		if !ok {
			return MergeResult{}, ErrNeedsRebase
		}
	}

	var res MergeResult
	head := p.Source
	if p.Squash {
		msg := p.SquashMessage
		if msg == "" {
			msg = p.Request.Title
		}
		author := p.SquashAuthor
		if author.Name == "" {
			author = p.Author
		}
		sha, err := r.Squash(ctx, SquashParams{
			Target: p.Target, Source: p.Source, Message: msg,
			Author: author, Committer: p.Committer,
		})
		if err != nil {
			return MergeResult{}, err
		}
		res.SquashCommitSHA, head = sha, sha
	}
	if p.Method == MethodFastForward {
		res.SHA = head
		return res, nil
	}

	tree, err := r.MergeTree(ctx, p.Target, head)
	if err != nil {
		return MergeResult{}, err
	}
	msg := p.Message
	if msg == "" {
		msg = DefaultMergeMessage(p.Request)
	}
	sha, err := r.CommitTree(ctx, CommitSpec{
		Tree: tree, Parents: []string{p.Target, head}, Message: msg,
		Author: p.Author, Committer: p.Committer,
	})
	if err != nil {
		return MergeResult{}, err
	}
	res.SHA, res.MergeCommitSHA = sha, sha
	return res, nil
}

// SquashParams say what to squash.
type SquashParams struct {
	// Target is the commit the squash commit sits on; Source holds the
	// changes.
	Target string
	Source string
	// Message is the squash commit's message.
	Message   string
	Author    Signature
	Committer Signature
}

// Squash writes one commit whose parent is Target and whose tree is the
// merge of Source into Target: all of Source's changes as one commit. A
// conflict is a *ConflictError.
func (r *Repo) Squash(ctx context.Context, p SquashParams) (string, error) {
	tree, err := r.MergeTree(ctx, p.Target, p.Source)
	if err != nil {
		return "", err
	}
	return r.CommitTree(ctx, CommitSpec{
		Tree: tree, Parents: []string{p.Target}, Message: p.Message,
		Author: p.Author, Committer: p.Committer,
	})
}
