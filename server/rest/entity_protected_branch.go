package rest

import signalboxv1 "github.com/signalbox/signalbox/gen/signalbox/v1"

// protectedRefAccess is GitLab's ProtectedRefAccess entity.
type protectedRefAccess struct {
	ID                     int64  `json:"id"`
	AccessLevel            int32  `json:"access_level"`
	AccessLevelDescription string `json:"access_level_description"`
	DeployKeyID            *int64 `json:"deploy_key_id"`
	UserID                 *int64 `json:"user_id"`
	GroupID                *int64 `json:"group_id"`
}

// protectedBranch is GitLab's ProtectedBranch entity.
type protectedBranch struct {
	ID                        int64                `json:"id"`
	Name                      string               `json:"name"`
	PushAccessLevels          []protectedRefAccess `json:"push_access_levels"`
	MergeAccessLevels         []protectedRefAccess `json:"merge_access_levels"`
	AllowForcePush            bool                 `json:"allow_force_push"`
	UnprotectAccessLevels     []protectedRefAccess `json:"unprotect_access_levels"`
	CodeOwnerApprovalRequired bool                 `json:"code_owner_approval_required"`
	Inherited                 bool                 `json:"inherited"`
}

func newRefAccess(levels []*signalboxv1.BranchAccessLevel) []protectedRefAccess {
	out := make([]protectedRefAccess, 0, len(levels))
	for _, l := range levels {
		out = append(out, protectedRefAccess{ID: l.GetId(), AccessLevel: l.GetAccessLevel(), AccessLevelDescription: l.GetAccessLevelDescription()})
	}
	return out
}

func newProtectedBranch(pb *signalboxv1.ProtectedBranch) protectedBranch {
	return protectedBranch{
		ID:                        pb.GetId(),
		Name:                      pb.GetName(),
		PushAccessLevels:          newRefAccess(pb.GetPushAccessLevels()),
		MergeAccessLevels:         newRefAccess(pb.GetMergeAccessLevels()),
		AllowForcePush:            pb.GetAllowForcePush(),
		UnprotectAccessLevels:     newRefAccess(pb.GetUnprotectAccessLevels()),
		CodeOwnerApprovalRequired: pb.GetCodeOwnerApprovalRequired(),
	}
}
