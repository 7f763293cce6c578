package statuscheck

import (
	"context"
	"errors"
	"slices"

	"buf.build/gen/go/bufbuild/protovalidate/protocolbuffers/go/buf/validate"
	"buf.build/go/protovalidate"
	"google.golang.org/protobuf/proto"

	storagev1 "github.com/signalbox/signalbox/gen/signalbox/storage/v1"
	signalboxv1 "github.com/signalbox/signalbox/gen/signalbox/v1"
	"github.com/signalbox/signalbox/server/store"
)

// Rule ids of StatusCheckSettings (see status_check_settings.proto) that the
// domain also reports itself, when the store's atomic claim loses a race.
const (
	RuleNameTaken        = "status_check.name_taken"
	RuleExternalURLTaken = "status_check.external_url_taken"
)

// spec turns a stored check into the message the rules are written on.
func spec(c *storagev1.StatusCheck) *signalboxv1.StatusCheckSpec {
	return &signalboxv1.StatusCheckSpec{
		Id:                 c.GetId(),
		Name:               c.GetName(),
		ExternalUrl:        c.GetExternalUrl(),
		ProtectedBranchIds: c.GetProtectedBranchIds(),
		TimeoutSeconds:     c.GetTimeoutSeconds(),
	}
}

// validateCandidate validates the project's whole set of checks with
// candidate added (or replacing the check with its id), exactly as the
// browser form does, and reports the violations that concern candidate,
// with field paths relative to it ("name", "external_url").
func (s *Service) validateCandidate(existing []*storagev1.StatusCheck, candidate *storagev1.StatusCheck) error {
	settings := &signalboxv1.StatusCheckSettings{}
	for _, c := range existing {
		if c.GetId() == candidate.GetId() && candidate.GetId() != 0 {
			continue
		}
		settings.Checks = append(settings.Checks, spec(c))
	}
	at := len(settings.Checks)
	settings.Checks = append(settings.Checks, spec(candidate))

	err := s.validator.Validate(settings)
	var ve *protovalidate.ValidationError
	if !errors.As(err, &ve) {
		return err
	}
	var mine []*protovalidate.Violation
	for _, v := range ve.Violations {
		elems := v.Proto.GetField().GetElements()
		switch {
		case len(elems) == 1 && v.Proto.GetRuleId() == RuleNameTaken:
			mine = append(mine, violation("name", RuleNameTaken, v.Proto.GetMessage()))
		case len(elems) == 1 && v.Proto.GetRuleId() == RuleExternalURLTaken:
			mine = append(mine, violation("external_url", RuleExternalURLTaken, v.Proto.GetMessage()))
		case len(elems) >= 2 && elems[0].GetIndex() == uint64(at):
			// Rules tightened since an older check was stored must not block
			// edits of other checks, so only the candidate's own count.
			v.Proto.SetField(validate.FieldPath_builder{Elements: elems[1:]}.Build())
			mine = append(mine, v)
		}
	}
	if len(mine) == 0 {
		return nil
	}
	sortViolations(mine)
	return &protovalidate.ValidationError{Violations: mine}
}

// fieldOrder is the order GitLab reports a check's errors in.
var fieldOrder = []string{"name", "external_url", "protected_branch_ids", "timeout_seconds"}

func sortViolations(vs []*protovalidate.Violation) {
	rank := func(v *protovalidate.Violation) int {
		field := protovalidate.FieldPathString(v.Proto.GetField())
		for i, f := range fieldOrder {
			if field == f || len(field) > len(f) && field[:len(f)] == f && (field[len(f)] == '[' || field[len(f)] == '.') {
				return i
			}
		}
		return len(fieldOrder)
	}
	slices.SortStableFunc(vs, func(a, b *protovalidate.Violation) int { return rank(a) - rank(b) })
}

func violation(field, rule, message string) *protovalidate.Violation {
	return &protovalidate.Violation{Proto: validate.Violation_builder{
		Field: validate.FieldPath_builder{Elements: []*validate.FieldPathElement{
			validate.FieldPathElement_builder{FieldName: proto.String(field)}.Build(),
		}}.Build(),
		RuleId:  proto.String(rule),
		Message: proto.String(message),
	}.Build()}
}

// takenViolations turns the store's lost race into the same violations the
// rules give, so every caller sees one kind of error either way.
func takenViolations(err error) error {
	var taken *store.TakenError
	if !errors.As(err, &taken) {
		return err
	}
	ve := &protovalidate.ValidationError{}
	for _, f := range taken.Fields {
		switch f {
		case "name":
			ve.Violations = append(ve.Violations, violation("name", RuleNameTaken, "Name has already been taken"))
		case "external_url":
			ve.Violations = append(ve.Violations, violation("external_url", RuleExternalURLTaken, "External url has already been taken"))
		}
	}
	return ve
}

// branches checks that every id names a protected branch of the project.
func (s *Service) branches(ctx context.Context, projectID int64, ids []int64) error {
	for _, id := range ids {
		if id <= 0 {
			continue // the rules report it
		}
		pb, err := s.store.ProtectedBranches().GetByID(ctx, id)
		if errors.Is(err, store.ErrNotFound) {
			return ErrProtectedBranchNotFound
		}
		if err != nil {
			return err
		}
		if pb.GetProjectId() != projectID {
			return ErrBranchOutsideProject
		}
	}
	return nil
}
