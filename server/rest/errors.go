package rest

import (
	"errors"
	"regexp"
	"strings"

	"buf.build/gen/go/bufbuild/protovalidate/protocolbuffers/go/buf/validate"
	"connectrpc.com/connect/v2"
	"google.golang.org/protobuf/proto"

	signalboxv1 "github.com/signalbox/signalbox/gen/signalbox/v1"
)

// failure is an HTTP status and the exact body GitLab sends with it.
type failure struct {
	status int
	body   any
}

// message is GitLab's {"message": ...} body; the value may be a string, a
// list of strings, or a map of field to messages.
type message struct {
	Message any `json:"message"`
}

// errorBody is Grape's {"error": ...} body for parameter errors.
type errorBody struct {
	Error string `json:"error"`
}

// scopeBody is GitLab's answer to a token without the scope a call needs.
type scopeBody struct {
	Error            string `json:"error"`
	ErrorDescription string `json:"error_description"`
	Scope            string `json:"scope"`
}

func msg(s string) failure { return failure{body: message{Message: s}} }

// apiError is what the API said, unpacked: its code, the Problem detail and
// the validation violations.
type apiError struct {
	code       connect.Code
	problem    *signalboxv1.Problem
	violations []*validate.Violation
}

func unpack(err error) apiError {
	out := apiError{code: connect.CodeOf(err), problem: &signalboxv1.Problem{}}
	var ce *connect.Error
	if !errors.As(err, &ce) {
		return out
	}
	for _, d := range ce.Details() {
		switch d.Type {
		case string((&signalboxv1.Problem{}).ProtoReflect().Descriptor().FullName()):
			_ = proto.Unmarshal(d.Value, out.problem)
		case string((&validate.Violations{}).ProtoReflect().Descriptor().FullName()):
			vs := &validate.Violations{}
			if proto.Unmarshal(d.Value, vs) == nil {
				out.violations = vs.GetViolations()
			}
		}
	}
	return out
}

// gitlabFailure turns an API error into GitLab's status and body. It is one
// literal table, written to be read against the behaviour spec line by
// line. Routes whose GitLab answer differs pass an override.
func gitlabFailure(e apiError) failure {
	reason := e.problem.GetReason()
	var f failure
	switch e.code {
	case connect.CodeUnauthenticated:
		f = failure{401, message{"401 Unauthorized"}}
	case connect.CodePermissionDenied:
		switch reason {
		case signalboxv1.Reason_REASON_INSUFFICIENT_SCOPE:
			f = failure{403, scopeBody{"insufficient_scope", "The request requires higher privileges than provided by the access token.", "api"}}
		case signalboxv1.Reason_REASON_CANNOT_RESPOND:
			// GitLab's status check service refuses without a message, and
			// its API turns that into this odd 404.
			f = failure{404, message{nil}}
		case signalboxv1.Reason_REASON_CANNOT_MERGE, signalboxv1.Reason_REASON_CANNOT_APPROVE:
			f = failure{401, message{"401 Unauthorized"}}
		default:
			f = failure{403, message{"403 Forbidden"}}
		}
	case connect.CodeNotFound:
		switch reason {
		case signalboxv1.Reason_REASON_PROJECT_NOT_FOUND:
			f = failure{404, message{"404 Project Not Found"}}
		case signalboxv1.Reason_REASON_USER_NOT_FOUND:
			f = failure{404, message{"404 User Not Found"}}
		case signalboxv1.Reason_REASON_BRANCH_NOT_FOUND:
			f = failure{404, message{"404 Branch Not Found"}}
		case signalboxv1.Reason_REASON_CAR_NOT_FOUND:
			f = failure{404, message{"404 Merge Train Merge Request Not Found"}}
		case signalboxv1.Reason_REASON_COMMIT_NOT_FOUND:
			f = failure{404, message{"404 Commit Not Found"}}
		default:
			f = failure{404, message{"404 Not found"}}
		}
	case connect.CodeInvalidArgument:
		switch reason {
		case signalboxv1.Reason_REASON_EXPIRY_IN_PAST:
			f = failure{400, errorBody{"expires_at must be a date after today"}}
		case signalboxv1.Reason_REASON_INVALID_REVISION:
			f = failure{400, message{"ref_name is invalid"}}
		case signalboxv1.Reason_REASON_INVALID_AUTHOR_PATTERN:
			f = failure{400, errorBody{"author is invalid"}}
		default:
			f = violationFailure(e.violations)
		}
	case connect.CodeAlreadyExists:
		switch reason {
		case signalboxv1.Reason_REASON_MEMBER_EXISTS:
			f = failure{409, message{"Member already exists"}}
		case signalboxv1.Reason_REASON_ALREADY_AUTO_MERGE:
			f = failure{409, message{"Merge request is already set to Auto-Merge"}}
		case signalboxv1.Reason_REASON_MERGE_REQUEST_EXISTS:
			f = failure{409, message{[]string{"Another open merge request already exists for this source branch: !" + first(e.problem.GetFields())}}}
		default:
			f = failure{409, message{"409 Conflict"}}
		}
	case connect.CodeFailedPrecondition:
		switch reason {
		case signalboxv1.Reason_REASON_SHA_MISMATCH:
			f = failure{409, message{"SHA does not match HEAD of source branch: " + e.problem.GetHeadSha()}}
		case signalboxv1.Reason_REASON_STATUS_CHECK_NOT_FAILED:
			f = failure{422, message{"External status check must be failed"}}
		case signalboxv1.Reason_REASON_PROTECTED_BRANCH_OUTSIDE_PROJECT:
			f = failure{422, message{[]string{"all protected branches must exist within the project"}}}
		case signalboxv1.Reason_REASON_NOT_MERGEABLE:
			f = failure{405, message{"405 Method Not Allowed"}}
		case signalboxv1.Reason_REASON_SAME_BRANCH:
			f = failure{422, message{[]string{"You can't use same project/branch for source and target"}}}
		case signalboxv1.Reason_REASON_BRANCH_NOT_FOUND:
			f = failure{422, message{[]string{missingBranch(e.problem.GetFields())}}}
		case signalboxv1.Reason_REASON_MERGE_TRAINS_DISABLED:
			f = failure{400, message{"400 Bad request - Merge trains are not enabled for this project"}}
		case signalboxv1.Reason_REASON_NO_MERGE_TRAIN_STRATEGY:
			f = failure{400, message{"400 Bad request - No available merge train strategy"}}
		case signalboxv1.Reason_REASON_CANNOT_CANCEL_AUTO_MERGE:
			f = failure{406, message{"Can't cancel the automatic merge"}}
		case signalboxv1.Reason_REASON_PRECONDITION_FAILED:
			f = failure{412, message{"412 Precondition Failed"}}
		default:
			f = failure{400, message{"400 Bad request"}}
		}
	case connect.CodeResourceExhausted:
		switch reason {
		case signalboxv1.Reason_REASON_PAGE_TOO_LARGE:
			f = failure{400, message{"400 Bad request - the page is larger than 4 MiB; ask for fewer items with per_page"}}
		default:
			f = failure{429, message{"429 Too Many Requests"}}
		}
	case connect.CodeAborted:
		f = failure{409, message{"The target branch moved while merging; try again"}}
	case connect.CodeUnimplemented:
		f = failure{501, message{"501 Not Implemented"}}
	case connect.CodeUnavailable:
		f = failure{503, message{"503 Service Unavailable"}}
	case connect.CodeDeadlineExceeded, connect.CodeCanceled:
		f = failure{503, message{"503 Service Unavailable"}}
	default:
		f = failure{500, message{"500 Internal Server Error"}}
	}
	return f
}

func first(items []string) string {
	if len(items) == 0 {
		return ""
	}
	return items[0]
}

// missingBranch words a missing branch as GitLab's merge request validation
// does; fields are the parameter and the branch.
func missingBranch(fields []string) string {
	if len(fields) < 2 {
		return "Branch does not exist"
	}
	what := "Target branch"
	if fields[0] == "source_branch" {
		what = "Source branch"
	}
	return what + ` "` + fields[1] + `" does not exist`
}

// violationFailure turns validation violations into GitLab's shapes:
// parameter problems are Grape's 400 {"error": "a is missing, b is
// invalid"}; a string over its length limit is what GitLab's
// render_validation_error! says of a record's attribute, 400 {"message":
// {"description": ["is too long (maximum is 2000 characters)"]}}; rule
// problems of a status check are 422 {"message": [full messages]}, whose
// texts are written in the proto rules themselves.
func violationFailure(vs []*validate.Violation) failure {
	var params, model []string
	tooLong := map[string][]string{}
	for _, v := range vs {
		rule := v.GetRuleId()
		field := fieldName(v.GetField())
		switch {
		case strings.HasPrefix(rule, "status_check."):
			model = append(model, v.GetMessage())
		case rule == "string.max_len":
			tooLong[field] = append(tooLong[field], "is too long (maximum is "+maxLen(v.GetMessage())+" characters)")
		case rule == "project.name_or_path":
			params = append(params, "name, path are missing, at least one parameter must be provided")
		case rule == "required" && (field == "status" || field == "access_level"):
			// Grape names both problems of a required parameter with a list
			// of values.
			params = append(params, field+" is missing, "+field+" does not have a valid value")
		case rule == "required":
			params = append(params, field+" is missing")
		case rule == "repeated.min_items":
			params = append(params, field+" is empty")
		case strings.HasPrefix(rule, "enum.") || strings.HasSuffix(rule, ".in") || strings.HasSuffix(rule, ".not_in"):
			params = append(params, field+" does not have a valid value")
		default:
			params = append(params, field+" is invalid")
		}
	}
	if len(params) > 0 {
		return failure{400, errorBody{strings.Join(dedupe(params), ", ")}}
	}
	if len(tooLong) > 0 {
		return failure{400, message{tooLong}}
	}
	return failure{422, message{model}}
}

// maxLenInMessage finds the limit in protovalidate's string.max_len message,
// "value length must be at most 2000 characters".
var maxLenInMessage = regexp.MustCompile(`at most (\d+)`)

func maxLen(violation string) string {
	if m := maxLenInMessage.FindStringSubmatch(violation); m != nil {
		return m[1]
	}
	return "?"
}

// fieldName is the top-level parameter a violation is about: "scopes" for
// "scopes[1]", "settings.merge_method" becomes "merge_method".
func fieldName(path *validate.FieldPath) string {
	elems := path.GetElements()
	if len(elems) == 0 {
		return "base"
	}
	return elems[len(elems)-1].GetFieldName()
}

func dedupe(items []string) []string {
	seen := map[string]bool{}
	out := items[:0]
	for _, s := range items {
		if !seen[s] {
			seen[s] = true
			out = append(out, s)
		}
	}
	return out
}

// Bodies the adapter answers itself, before any call.
func routeNotFound() failure { return failure{404, errorBody{"404 Not Found"}} }
func bodyTooLarge() failure  { return failure{413, message{"413 Request Entity Too Large"}} }
func bodyNotJSON() failure   { return failure{400, errorBody{errBodyNotJSON.Error()}} }
