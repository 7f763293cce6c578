package rest

import signalboxv1 "github.com/signalbox/signalbox/gen/signalbox/v1"

// approvalState is GitLab's merge request approvals entity (EE's
// ApprovalState) for a project without approval rules: one approval
// approves, nothing is required, nobody is suggested.
type approvalState struct {
	ID                             int64        `json:"id"`
	IID                            int64        `json:"iid"`
	ProjectID                      int64        `json:"project_id"`
	Title                          string       `json:"title"`
	Description                    string       `json:"description"`
	State                          string       `json:"state"`
	CreatedAt                      gitlabTime   `json:"created_at"`
	UpdatedAt                      gitlabTime   `json:"updated_at"`
	MergeStatus                    string       `json:"merge_status"`
	Approved                       bool         `json:"approved"`
	ApprovalsRequired              int          `json:"approvals_required"`
	ApprovalsLeft                  int          `json:"approvals_left"`
	RequirePasswordToApprove       bool         `json:"require_password_to_approve"`
	ApprovedBy                     []approvedBy `json:"approved_by"`
	SuggestedApprovers             []userBasic  `json:"suggested_approvers"`
	Approvers                      []approvedBy `json:"approvers"`
	ApproverGroups                 []struct{}   `json:"approver_groups"`
	UserHasApproved                bool         `json:"user_has_approved"`
	UserCanApprove                 bool         `json:"user_can_approve"`
	ApprovalRulesLeft              []struct{}   `json:"approval_rules_left"`
	HasApprovalRules               bool         `json:"has_approval_rules"`
	MergeRequestApproversAvailable bool         `json:"merge_request_approvers_available"`
	MultipleApprovalRulesAvailable bool         `json:"multiple_approval_rules_available"`
	InvalidApproversRules          []struct{}   `json:"invalid_approvers_rules"`
}

// approvedBy is GitLab's Approvals entity: one approver.
type approvedBy struct {
	User *userBasic `json:"user"`
}

func newApprovalState(a *signalboxv1.MergeRequestApprovals) approvalState {
	mr := a.GetMergeRequest()
	basic := newMergeRequestBasic(mr, "")
	out := approvalState{
		ID: mr.GetId(), IID: mr.GetIid(), ProjectID: mr.GetProjectId(), Title: mr.GetTitle(), Description: mr.GetDescription(),
		State: basic.State, CreatedAt: basic.CreatedAt, UpdatedAt: basic.UpdatedAt, MergeStatus: basic.MergeStatus,
		Approved: a.GetApproved(), ApprovedBy: []approvedBy{}, SuggestedApprovers: []userBasic{}, Approvers: []approvedBy{},
		ApproverGroups: []struct{}{}, UserHasApproved: a.GetUserHasApproved(), UserCanApprove: a.GetUserCanApprove(),
		ApprovalRulesLeft: []struct{}{}, InvalidApproversRules: []struct{}{},
	}
	for _, by := range a.GetApprovedBy() {
		out.ApprovedBy = append(out.ApprovedBy, approvedBy{User: newUserBasic(by.GetUser())})
	}
	return out
}
