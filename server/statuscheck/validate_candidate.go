package statuscheck

import (
	"context"
	"errors"

	"buf.build/go/protovalidate"

	storagev1 "github.com/signalbox/signalbox/gen/signalbox/storage/v1"
	"github.com/signalbox/signalbox/server/auth"
	"github.com/signalbox/signalbox/server/project"
)

// Candidate is a check as a form holds it before saving: ID 0 for a new one.
type Candidate struct {
	ID                 int64
	Name               string
	ExternalURL        string
	ProtectedBranchIDs []int64
}

// Violation is one broken rule of a candidate: the field ("name",
// "external_url"), the rule id and its message.
type Violation struct {
	Field, Rule, Message string
}

// Validate reports what Create or Update would refuse of c by the rules on
// StatusCheckSettings, against the project's checks as stored now, and
// changes nothing. Maintainers and above, as for Create.
func (s *Service) Validate(ctx context.Context, sc *project.Scope, c Candidate) ([]Violation, error) {
	if err := sc.Require(auth.Maintainer); err != nil {
		return nil, err
	}
	existing, err := s.store.Checks().List(ctx, sc.Project.GetId())
	if err != nil {
		return nil, err
	}
	err = s.validateCandidate(existing, &storagev1.StatusCheck{
		Id: c.ID, Name: c.Name, ExternalUrl: c.ExternalURL, ProtectedBranchIds: c.ProtectedBranchIDs,
	})
	var ve *protovalidate.ValidationError
	if err != nil && !errors.As(err, &ve) {
		return nil, err
	}
	out := []Violation{}
	if ve != nil {
		for _, v := range ve.Violations {
			out = append(out, Violation{
				Field: protovalidate.FieldPathString(v.Proto.GetField()), Rule: v.Proto.GetRuleId(), Message: v.Proto.GetMessage(),
			})
		}
	}
	return out, nil
}
