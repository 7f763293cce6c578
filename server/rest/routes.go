package rest

// routes is the whole GitLab surface Signalbox serves: one row per route,
// registered on a ServeMux, so two rows that collide fail at start-up.
func (h *Handler) routes() []route {
	return []route{
		{"GET /api/v4/version", h.version},
		{"GET /api/v4/metadata", h.metadata},

		{"GET /api/v4/user", h.currentUser},
		{"GET /api/v4/users/{user_id}", h.getUser},
		{"POST /api/v4/users", h.createUser},
		{"POST /api/v4/users/{user_id}/personal_access_tokens", h.createPersonalAccessToken},
		{"DELETE /api/v4/personal_access_tokens/self", h.revokeCurrentToken},

		{"GET /api/v4/projects", h.listProjects},
		{"POST /api/v4/projects", h.createProject},
		{"GET /api/v4/projects/{id}", h.getProject},
		{"PUT /api/v4/projects/{id}", h.updateProject},
		{"DELETE /api/v4/projects/{id}", h.deleteProject},

		{"GET /api/v4/projects/{id}/members", h.listMembers},
		{"POST /api/v4/projects/{id}/members", h.addMember},
		{"PUT /api/v4/projects/{id}/members/{user_id}", h.updateMember},
		{"DELETE /api/v4/projects/{id}/members/{user_id}", h.removeMember},

		{"GET /api/v4/projects/{id}/protected_branches", h.listProtectedBranches},
		{"POST /api/v4/projects/{id}/protected_branches", h.protectBranch},
		{"GET /api/v4/projects/{id}/protected_branches/{name}", h.getProtectedBranch},
		{"DELETE /api/v4/projects/{id}/protected_branches/{name}", h.unprotectBranch},

		{"GET /api/v4/projects/{id}/external_status_checks", h.listStatusChecks},
		{"POST /api/v4/projects/{id}/external_status_checks", h.createStatusCheck},
		{"PUT /api/v4/projects/{id}/external_status_checks/{check_id}", h.updateStatusCheck},
		{"DELETE /api/v4/projects/{id}/external_status_checks/{check_id}", h.deleteStatusCheck},
		{"GET /api/v4/projects/{id}/external_status_checks/{check_id}/deliveries", h.listDeliveries},
		{"POST /api/v4/projects/{id}/external_status_checks/{check_id}/deliveries/{delivery_id}/redeliver", h.redeliver},

		{"GET /api/v4/projects/{id}/repository/branches", h.listBranches},
		{"GET /api/v4/projects/{id}/repository/branches/{branch}", h.getBranch},

		{"GET /api/v4/projects/{id}/merge_requests", h.listMergeRequests},
		{"POST /api/v4/projects/{id}/merge_requests", h.createMergeRequest},
		{"GET /api/v4/projects/{id}/merge_requests/{merge_request_iid}", h.getMergeRequest},
		{"PUT /api/v4/projects/{id}/merge_requests/{merge_request_iid}", h.updateMergeRequest},
		{"PUT /api/v4/projects/{id}/merge_requests/{merge_request_iid}/merge", h.mergeMergeRequest},
		{"GET /api/v4/projects/{id}/merge_requests/{merge_request_iid}/status_checks", h.listMergeRequestStatusChecks},
		{"POST /api/v4/projects/{id}/merge_requests/{merge_request_iid}/status_check_responses", h.setStatusCheckResponse},
		{"POST /api/v4/projects/{id}/merge_requests/{merge_request_iid}/status_checks/{external_status_check_id}/retry", h.retryStatusCheck},
		{"POST /api/v4/projects/{id}/merge_requests/{merge_request_iid}/cancel_merge_when_pipeline_succeeds", h.cancelAutoMerge},
		{"GET /api/v4/projects/{id}/merge_requests/{merge_request_iid}/notes", h.listNotes},
		{"POST /api/v4/projects/{id}/merge_requests/{merge_request_iid}/notes", h.createNote},
		{"POST /api/v4/projects/{id}/merge_requests/{merge_request_iid}/approve", h.approve},
		{"POST /api/v4/projects/{id}/merge_requests/{merge_request_iid}/unapprove", h.unapprove},
		{"GET /api/v4/projects/{id}/merge_requests/{merge_request_iid}/approvals", h.approvals},

		{"GET /api/v4/projects/{id}/merge_trains", h.listMergeTrainCars},
		{"GET /api/v4/projects/{id}/merge_trains/{target_branch}", h.listMergeTrainCars},
		{"GET /api/v4/projects/{id}/merge_trains/merge_requests/{merge_request_iid}", h.getMergeTrainCar},
		{"POST /api/v4/projects/{id}/merge_trains/merge_requests/{merge_request_iid}", h.addToMergeTrain},
		{"GET /api/v4/projects/{id}/merge_train_strategies", h.getMergeTrainStrategies},
		{"PUT /api/v4/projects/{id}/merge_train_strategies", h.setMergeTrainStrategy},
		{"DELETE /api/v4/projects/{id}/merge_train_strategies", h.deleteMergeTrainBranchStrategy},

		{"GET /api/v4/projects/{id}/pipelines/{pipeline_id}", h.getPipeline},
		{"POST /api/v4/projects/{id}/statuses/{sha}", h.setCommitStatus},
		{"GET /api/v4/projects/{id}/repository/commits", h.listCommits},
		{"GET /api/v4/projects/{id}/repository/commits/{sha}", h.getCommit},
		{"GET /api/v4/projects/{id}/repository/commits/{sha}/statuses", h.listCommitStatuses},

		{"GET /api/v4/projects/{id}/hooks", h.listHooks},
		{"POST /api/v4/projects/{id}/hooks", h.createHook},
		{"GET /api/v4/projects/{id}/hooks/{hook_id}", h.getHook},
		{"PUT /api/v4/projects/{id}/hooks/{hook_id}", h.updateHook},
		{"DELETE /api/v4/projects/{id}/hooks/{hook_id}", h.deleteHook},
	}
}
