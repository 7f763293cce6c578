package api

import (
	"context"

	signalboxv1 "github.com/signalbox/signalbox/gen/signalbox/v1"
	"github.com/signalbox/signalbox/server/statuscheck"
)

// ValidateStatusCheckSettings reports what creating or updating a check with
// these values would refuse, changing nothing.
func (h statusCheckHandler) ValidateStatusCheckSettings(ctx context.Context, req *signalboxv1.ValidateStatusCheckSettingsRequest) (*signalboxv1.ValidateStatusCheckSettingsResponse, error) {
	violations, err := h.deps.StatusChecks.Validate(ctx, scopeFrom(ctx), statuscheck.Candidate{
		ID: req.GetCheckId(), Name: req.GetName(), ExternalURL: req.GetExternalUrl(), ProtectedBranchIDs: req.GetProtectedBranchIds(),
	})
	if err != nil {
		return nil, toConnect(ctx, h.logger, err)
	}
	out := &signalboxv1.ValidateStatusCheckSettingsResponse{}
	for _, v := range violations {
		out.Violations = append(out.Violations, &signalboxv1.StatusCheckViolation{Field: v.Field, Rule: v.Rule, Message: v.Message})
	}
	return out, nil
}
