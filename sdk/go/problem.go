package signalbox

import (
	"errors"
	"strconv"
	"strings"

	"buf.build/gen/go/bufbuild/protovalidate/protocolbuffers/go/buf/validate"
	"connectrpc.com/connect/v2"
	"connectrpc.com/connect/v2/connectproto"

	signalboxv1 "github.com/signalbox/signalbox/gen/signalbox/v1"
)

// ProblemOf returns the [signalboxv1.Problem] detail of err, or nil when err
// carries none (a nil error, a network failure, a validation error, or an
// error from another server).
func ProblemOf(err error) *signalboxv1.Problem {
	for _, msg := range details(err) {
		if p, ok := msg.(*signalboxv1.Problem); ok {
			return p
		}
	}
	return nil
}

// ReasonOf returns the reason of err's Problem, or
// [signalboxv1.Reason_REASON_UNSPECIFIED] when it has none.
func ReasonOf(err error) signalboxv1.Reason {
	return ProblemOf(err).GetReason()
}

// IsShaMismatch reports whether err says that the sha sent is not the head
// of the merge request's source branch, and if so returns the current head,
// so that a check can answer again for the commit that is really there.
func IsShaMismatch(err error) (head string, ok bool) {
	p := ProblemOf(err)
	if p.GetReason() != signalboxv1.Reason_REASON_SHA_MISMATCH {
		return "", false
	}
	return p.GetHeadSha(), true
}

// IsNotFound reports whether err is [connect.CodeNotFound]: the project, or
// a record named in the request, does not exist or is hidden from the
// caller. [ReasonOf] tells which.
func IsNotFound(err error) bool {
	return err != nil && connect.CodeOf(err) == connect.CodeNotFound
}

// IsPermissionDenied reports whether err is [connect.CodePermissionDenied]:
// the caller is known but its role or its token's scopes do not allow the
// call. [ReasonOf] tells which.
func IsPermissionDenied(err error) bool {
	return err != nil && connect.CodeOf(err) == connect.CodePermissionDenied
}

// IsUnauthenticated reports whether err is [connect.CodeUnauthenticated]:
// the call needs a token and had none, or had one the server does not
// accept.
func IsUnauthenticated(err error) bool {
	return err != nil && connect.CodeOf(err) == connect.CodeUnauthenticated
}

// IsAlreadyTaken reports whether err says a unique value is already used,
// and if so returns the fields that clash (such as "path").
func IsAlreadyTaken(err error) (fields []string, ok bool) {
	p := ProblemOf(err)
	if p.GetReason() != signalboxv1.Reason_REASON_ALREADY_TAKEN {
		return nil, false
	}
	return p.GetFields(), true
}

// Violation is one broken validation rule.
type Violation struct {
	// Field is the path of the offending field in the request, such as
	// "name" or "checks[2].external_url"; empty for a rule on the whole
	// message.
	Field string
	// RuleID names the rule, such as "status_check.name_taken" or
	// "string.max_len". It is stable; branch on it.
	RuleID string
	// Message is for people, in GitLab's wording where GitLab has one.
	Message string
}

// Violations returns the validation rules err says the request broke, in
// the server's order, or nil when err carries none. The server reports
// every broken rule at once, so a form can mark every field in one round
// trip.
func Violations(err error) []Violation {
	var out []Violation
	for _, msg := range details(err) {
		vs, ok := msg.(*validate.Violations)
		if !ok {
			continue
		}
		for _, v := range vs.GetViolations() {
			out = append(out, Violation{
				Field:   fieldPath(v.GetField()),
				RuleID:  v.GetRuleId(),
				Message: v.GetMessage(),
			})
		}
	}
	return out
}

// details decodes the details of err that are known protobuf messages,
// skipping the rest: a detail of a type this binary lacks is not an error
// of the call.
func details(err error) []any {
	ce, ok := errors.AsType[*connect.Error](err)
	if !ok {
		return nil
	}
	var out []any
	for _, d := range ce.Details() {
		if msg, derr := connectproto.UnmarshalErrorDetail(d); derr == nil {
			out = append(out, msg)
		}
	}
	return out
}

// fieldPath writes a field path as protovalidate does: names joined by
// dots, with list indexes and map keys in brackets.
func fieldPath(path *validate.FieldPath) string {
	var b strings.Builder
	for i, e := range path.GetElements() {
		if i > 0 {
			b.WriteByte('.')
		}
		b.WriteString(e.GetFieldName())
		var sub string
		switch e.WhichSubscript() {
		case validate.FieldPathElement_Index_case:
			sub = strconv.FormatUint(e.GetIndex(), 10)
		case validate.FieldPathElement_BoolKey_case:
			sub = strconv.FormatBool(e.GetBoolKey())
		case validate.FieldPathElement_IntKey_case:
			sub = strconv.FormatInt(e.GetIntKey(), 10)
		case validate.FieldPathElement_UintKey_case:
			sub = strconv.FormatUint(e.GetUintKey(), 10)
		case validate.FieldPathElement_StringKey_case:
			sub = strconv.Quote(e.GetStringKey())
		default:
			continue
		}
		b.WriteString("[" + sub + "]")
	}
	return b.String()
}
