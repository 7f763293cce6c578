package app

import (
	"context"
	"errors"
	"log/slog"

	storagev1 "github.com/signalbox/signalbox/gen/signalbox/storage/v1"
	"github.com/signalbox/signalbox/server/auth"
	"github.com/signalbox/signalbox/server/delivery"
	"github.com/signalbox/signalbox/server/githttp"
	"github.com/signalbox/signalbox/server/mergerequest"
	"github.com/signalbox/signalbox/server/mergetrain"
	"github.com/signalbox/signalbox/server/pipeline"
	"github.com/signalbox/signalbox/server/project"
	"github.com/signalbox/signalbox/server/repository"
	"github.com/signalbox/signalbox/server/statuscheck"
	"github.com/signalbox/signalbox/server/store"
	"github.com/signalbox/signalbox/server/user"
)

// gitAccess answers the smart HTTP door's questions with the domain's
// rules: the token's user and scopes, the project's visibility, the
// caller's role, and the protected branches' rules (project.BranchRules).
type gitAccess struct {
	users    *user.Service
	projects *project.Service
	store    store.Store
	git      *repository.Git
}

func (g gitAccess) Resolve(ctx context.Context, projectPath, token string) (githttp.Repository, githttp.Access, error) {
	var caller *auth.Principal
	if token != "" {
		p, err := g.users.Authenticate(ctx, token)
		if err != nil {
			return githttp.Repository{}, githttp.Access{}, githttp.ErrUnauthenticated
		}
		caller = p
	}
	sc, err := g.projects.Scope(ctx, caller, projectPath)
	if errors.Is(err, project.ErrNotFound) {
		return githttp.Repository{}, githttp.Access{}, githttp.ErrNotFound
	}
	if err != nil {
		return githttp.Repository{}, githttp.Access{}, err
	}
	protections, err := g.store.ProtectedBranches().List(ctx, sc.Project.GetId())
	if err != nil {
		return githttp.Repository{}, githttp.Access{}, err
	}
	canRead := caller == nil || caller.HasScope("api") || caller.HasScope("read_repository") || caller.HasScope("write_repository")
	canWrite := caller.HasScope("api") || caller.HasScope("write_repository")
	rules := project.NewBranchRules(protections)
	access := githttp.Access{
		Read:            canRead && sc.CanReadMergeRequests(),
		Push:            canWrite && sc.Level >= auth.Developer,
		Protected:       rules.Protected,
		CanPushBranch:   func(name string) bool { return rules.CanPush(sc.Level, name) },
		ForcePushDenied: func(name string) bool { return !rules.AllowsForcePush(name) },
	}
	if caller != nil {
		access.UserID = caller.UserID
	}
	repo := githttp.Repository{ProjectID: sc.Project.GetId(), Dir: g.git.Dir(sc.Project.GetId()), DefaultBranch: sc.Project.GetDefaultBranch()}
	return repo, access, nil
}

// pushFollower settles a first push's default branch and moves merge
// requests after a push.
type pushFollower struct {
	store         store.Store
	projects      *project.Service
	git           *repository.Git
	mergeRequests *mergerequest.Service
	mergeTrains   *mergetrain.Service
	logger        *slog.Logger
}

func (f pushFollower) Pushed(ctx context.Context, p githttp.Push) {
	proj, err := f.store.Projects().Get(ctx, p.Repository.ProjectID)
	if err == nil && proj.GetEmptyRepo() {
		proj, err = f.settleDefaultBranch(ctx, proj, p)
	}
	if err == nil {
		err = f.mergeRequests.RefsChanged(ctx, proj, p.UserID)
		// A push to a target branch from outside its train rebuilds it.
		f.mergeTrains.Pushed(ctx, proj)
	}
	if err != nil {
		f.logger.ErrorContext(ctx, "follow push", "project_id", p.Repository.ProjectID, "error", err)
	}
}

// settleDefaultBranch gives an empty project the default branch its first
// push picks, from the branches that now exist.
func (f pushFollower) settleDefaultBranch(ctx context.Context, proj *storagev1.Project, p githttp.Push) (*storagev1.Project, error) {
	repo, err := f.git.Open(ctx, proj)
	if err != nil {
		return nil, err
	}
	existing, err := repo.Branches(ctx)
	if err != nil {
		return nil, err
	}
	var created []string
	for _, u := range p.Updates {
		if name, ok := u.Branch(); ok && u.Created() {
			created = append(created, name)
		}
	}
	return f.projects.SettleDefaultBranch(ctx, proj, created, existing, f.git)
}

// secrets hands the delivery worker the signing secrets of both kinds of
// receiver: status checks and project hooks.
type secrets struct {
	checks    *statuscheck.Service
	pipelines *pipeline.Service
}

func (s secrets) Secret(c *storagev1.StatusCheck) (string, error) { return s.checks.Secret(c) }

func (s secrets) HookToken(h *storagev1.ProjectHook) (string, error) {
	return s.pipelines.HookToken(h)
}

// commits reads head commits for delivery payloads.
type commits struct{ git *repository.Git }

func (c commits) Commit(ctx context.Context, p *storagev1.Project, sha string) (delivery.Commit, error) {
	repo, err := c.git.Open(ctx, p)
	if err != nil {
		return delivery.Commit{}, err
	}
	cm, err := repo.Commit(ctx, sha)
	if err != nil {
		return delivery.Commit{}, err
	}
	return delivery.Commit{SHA: cm.ID, Message: cm.Message, Timestamp: cm.AuthoredTime, AuthorName: cm.AuthorName, AuthorEmail: cm.AuthorEmail}, nil
}
