package rest

import signalboxv1 "github.com/signalbox/signalbox/gen/signalbox/v1"

// externalStatusCheck is GitLab's ExternalStatusCheck entity. The shared
// secret never appears; hmac says whether one is set.
type externalStatusCheck struct {
	ID                int64             `json:"id"`
	Name              string            `json:"name"`
	ProjectID         int64             `json:"project_id"`
	ExternalURL       string            `json:"external_url"`
	ProtectedBranches []protectedBranch `json:"protected_branches"`
	HMAC              bool              `json:"hmac"`
	// TimeoutSeconds is a Signalbox extension, left out unless set, so a
	// check configured the GitLab way encodes exactly as GitLab's does.
	TimeoutSeconds int32 `json:"timeout_seconds,omitempty"`
}

func newExternalStatusCheck(c *signalboxv1.ExternalStatusCheck) *externalStatusCheck {
	out := &externalStatusCheck{
		ID:                c.GetId(),
		Name:              c.GetName(),
		ProjectID:         c.GetProjectId(),
		ExternalURL:       c.GetExternalUrl(),
		ProtectedBranches: make([]protectedBranch, 0, len(c.GetProtectedBranches())),
		HMAC:              c.GetHmac(),
		TimeoutSeconds:    c.GetTimeoutSeconds(),
	}
	for _, pb := range c.GetProtectedBranches() {
		out.ProtectedBranches = append(out.ProtectedBranches, newProtectedBranch(pb))
	}
	return out
}
