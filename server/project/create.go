package project

import (
	"context"
	"errors"
	"regexp"
	"strings"

	"google.golang.org/protobuf/types/known/timestamppb"

	storagev1 "github.com/signalbox/signalbox/gen/signalbox/storage/v1"
	signalboxv1 "github.com/signalbox/signalbox/gen/signalbox/v1"
	"github.com/signalbox/signalbox/server/auth"
	"github.com/signalbox/signalbox/server/store"
)

// CreateParams describe a new project.
type CreateParams struct {
	Name          string
	Path          string
	NamespaceID   int64 // zero for the caller's own namespace
	Description   string
	Visibility    signalboxv1.Visibility
	DefaultBranch string
	Settings      *signalboxv1.ProjectSettingsPatch
}

// Create stores a new project in a user's namespace, with the caller as its
// owner. Only administrators may create projects in someone else's
// namespace. A name or path already used there gives a *store.TakenError.
func (s *Service) Create(ctx context.Context, caller *auth.Principal, p CreateParams) (*storagev1.Project, error) {
	nsID := p.NamespaceID
	if nsID == 0 {
		nsID = caller.UserID
	}
	if nsID != caller.UserID && !caller.Admin {
		return nil, ErrNamespaceNotFound
	}
	ns, err := s.store.Users().Get(ctx, nsID)
	if errors.Is(err, store.ErrNotFound) {
		return nil, ErrNamespaceNotFound
	}
	if err != nil {
		return nil, err
	}
	name, path := p.Name, p.Path
	if path == "" {
		path = pathFromName(name)
	}
	if name == "" {
		name = path
	}
	visibility := p.Visibility
	if visibility == signalboxv1.Visibility_VISIBILITY_UNSPECIFIED {
		visibility = signalboxv1.Visibility_VISIBILITY_PRIVATE
	}
	defaultBranch := p.DefaultBranch
	if defaultBranch == "" {
		defaultBranch = DefaultBranch
	}
	settings := &storagev1.ProjectSettings{
		MergeMethod:               int32(signalboxv1.MergeMethod_MERGE_METHOD_MERGE),
		MaxPipelinesPerMergeTrain: DefaultMaxPipelinesPerTrain,
	}
	applySettings(settings, p.Settings)
	now := timestamppb.New(s.clock.Now())
	rec, err := s.store.Projects().Create(ctx, &storagev1.Project{
		Name:             name,
		Path:             path,
		NamespaceId:      ns.GetId(),
		NamespacePath:    ns.GetUsername(),
		NamespaceName:    ns.GetName(),
		Description:      p.Description,
		Visibility:       int32(visibility),
		DefaultBranch:    defaultBranch,
		EmptyRepo:        true,
		CreateTime:       now,
		LastActivityTime: now,
		CreatorId:        caller.UserID,
		Settings:         settings,
	}, &storagev1.Member{UserId: caller.UserID, AccessLevel: int32(auth.Owner), CreateTime: now, CreatedById: caller.UserID})
	if err != nil {
		return nil, err
	}
	for _, hook := range s.onCreate {
		if err := hook(ctx, rec); err != nil {
			s.logger.ErrorContext(ctx, "project create hook failed", "project_id", rec.GetId(), "error", err)
			return nil, err
		}
	}
	s.logger.InfoContext(ctx, "project created", "project_id", rec.GetId(), "path", rec.GetNamespacePath()+"/"+rec.GetPath())
	return rec, nil
}

var notPathChars = regexp.MustCompile(`[^a-z0-9_.-]+`)

// pathFromName derives a path from a display name the way GitLab does:
// lower case, runs of other characters become "-".
func pathFromName(name string) string {
	return strings.Trim(notPathChars.ReplaceAllString(strings.ToLower(name), "-"), "-.")
}

// applySettings copies the fields present in patch onto settings.
func applySettings(settings *storagev1.ProjectSettings, patch *signalboxv1.ProjectSettingsPatch) {
	if patch == nil {
		return
	}
	if patch.OnlyAllowMergeIfAllStatusChecksPassed != nil {
		settings.OnlyAllowMergeIfAllStatusChecksPassed = patch.GetOnlyAllowMergeIfAllStatusChecksPassed()
	}
	if patch.OnlyAllowMergeIfPipelineSucceeds != nil {
		settings.OnlyAllowMergeIfPipelineSucceeds = patch.GetOnlyAllowMergeIfPipelineSucceeds()
	}
	if patch.MergePipelinesEnabled != nil {
		settings.MergePipelinesEnabled = patch.GetMergePipelinesEnabled()
	}
	if patch.MergeTrainsEnabled != nil {
		settings.MergeTrainsEnabled = patch.GetMergeTrainsEnabled()
	}
	if patch.MergeTrainsSkipTrainAllowed != nil {
		settings.MergeTrainsSkipTrainAllowed = patch.GetMergeTrainsSkipTrainAllowed()
	}
	if patch.MergeMethod != nil {
		settings.MergeMethod = int32(patch.GetMergeMethod())
	}
	if patch.MaxPipelinesPerMergeTrain != nil {
		settings.MaxPipelinesPerMergeTrain = patch.GetMaxPipelinesPerMergeTrain()
	}
	if patch.StatusCheckTimeoutSeconds != nil {
		settings.StatusCheckTimeoutSeconds = patch.GetStatusCheckTimeoutSeconds()
	}
	if patch.StatusChecksFollowMergeTrain != nil {
		settings.StatusChecksFollowMergeTrain = patch.GetStatusChecksFollowMergeTrain()
	}
}
