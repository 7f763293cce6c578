package rest

// routes is the whole GitLab surface Signalbox serves: one row per route,
// registered on a ServeMux, so two rows that collide fail at start-up.
func (h *Handler) routes() []route {
	return []route{
		{"GET /api/v4/user", h.currentUser},
		{"GET /api/v4/users/{user_id}", h.getUser},
		{"POST /api/v4/users", h.createUser},
		{"POST /api/v4/users/{user_id}/personal_access_tokens", h.createPersonalAccessToken},

		{"GET /api/v4/projects", h.listProjects},
		{"POST /api/v4/projects", h.createProject},
		{"GET /api/v4/projects/{id}", h.getProject},
		{"PUT /api/v4/projects/{id}", h.updateProject},

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
	}
}
