package validation

import (
	"regexp"
	"strconv"
	"strings"
	"unicode/utf8"
)

// CELRule is one (buf.validate.field).cel rule of status_check_settings.proto:
// the field it is declared on (message.field), its id, message and CEL
// expression. The expression is not evaluated here: it is what the Go code
// below implements, and TestRulesMatchTheProto requires the proto's rules to
// be exactly this list, so a changed or added rule cannot go unnoticed.
type CELRule struct {
	Field, ID, Message, Expression string
}

// CELRules lists the CEL rules in the order protovalidate evaluates them.
var CELRules = []CELRule{
	{"StatusCheckSettings.checks", "status_check.name_taken", "Name has already been taken", "this.map(c, c.name).unique()"},
	{"StatusCheckSettings.checks", "status_check.external_url_taken", "External url has already been taken", "this.map(c, c.external_url).unique()"},
	{"StatusCheckSpec.name", "status_check.name_blank", "Name can't be blank", "this.trim() != ''"},
	{"StatusCheckSpec.name", "status_check.name_too_long", "Name is too long (maximum is 255 characters)", "this.size() <= 255"},
	{"StatusCheckSpec.external_url", "status_check.external_url_blank", "External url can't be blank", "this != ''"},
	{"StatusCheckSpec.external_url", "status_check.external_url_invalid", "External url must be a valid URL", "this == '' || this.isUri()"},
	{"StatusCheckSpec.external_url", "status_check.external_url_scheme", "External url is blocked: Only allowed schemes are http, https", "!this.isUri() || this.matches('" + httpSchemePattern + "')"},
	{"StatusCheckSpec.external_url", "status_check.external_url_host", "External url must be a valid URL", "!this.matches('" + httpSchemePattern + "') || this.matches('" + httpHostPattern + "')"},
	{"StatusCheckSpec.external_url", "status_check.external_url_too_long", "External url is too long (maximum is 255 characters)", "this.size() <= 255"},
}

// StandardRules are the other (buf.validate.field) rules, in protovalidate's
// text format, by field. TestRulesMatchTheProto compares them with the proto.
var StandardRules = map[string]string{
	"StatusCheckSpec.id":                   "int64:{gte:0}",
	"StatusCheckSpec.protected_branch_ids": "repeated:{unique:true items:{int64:{gt:0}}}",
	"StatusCheckSpec.timeout_seconds":      "int32:{lte:86400 gte:0}",
}

// The regular expressions of the rules, as CEL's matches() runs them: Go's
// regexp (RE2), unanchored. (?i) folds Unicode too ("httpſ:" matches), so
// they are not rewritten as prefix checks.
const (
	httpSchemePattern = "^(?i)https?:"
	httpHostPattern   = "^(?i)https?://[^/?#@]+"
)

// Messages of the standard rules, as protovalidate words them.
const (
	ruleIDGte             = "int64.gte"
	msgIDGte              = "must be greater than or equal to 0"
	ruleBranchesUnique    = "repeated.unique"
	msgBranchesUnique     = "repeated value must contain unique items"
	ruleBranchGt          = "int64.gt"
	msgBranchGt           = "must be greater than 0"
	ruleTimeoutRange      = "int32.gte_lte"
	msgTimeoutRange       = "must be greater than or equal to 0 and less than or equal to 86400"
	maxTimeoutSeconds     = 86400
	maxNameOrURLCodepoint = 255
)

type compiledRules struct {
	httpScheme, httpHost *regexp.Regexp
	message              map[string]string // CEL rule id → message
}

func compileRules() (*compiledRules, error) {
	scheme, err := regexp.Compile(httpSchemePattern)
	if err != nil {
		return nil, err
	}
	host, err := regexp.Compile(httpHostPattern)
	if err != nil {
		return nil, err
	}
	r := &compiledRules{httpScheme: scheme, httpHost: host, message: map[string]string{}}
	for _, c := range CELRules {
		r.message[c.ID] = c.Message
	}
	return r, nil
}

// validate evaluates the rules in protovalidate's order: the rules of the
// checks field, then each check's fields by field number, a repeated
// field's own rules before its items'.
func (r *compiledRules) validate(s Settings) []Violation {
	out := []Violation{}
	cel := func(field, id string) {
		out = append(out, Violation{Field: field, Rule: id, Message: r.message[id]})
	}
	if !unique(s.Checks, func(c Spec) string { return c.Name }) {
		cel("checks", "status_check.name_taken")
	}
	if !unique(s.Checks, func(c Spec) string { return c.ExternalURL }) {
		cel("checks", "status_check.external_url_taken")
	}
	for i, c := range s.Checks {
		at := "checks[" + strconv.Itoa(i) + "]."
		if c.ID < 0 {
			out = append(out, Violation{Field: at + "id", Rule: ruleIDGte, Message: msgIDGte})
		}
		// name
		if strings.TrimSpace(c.Name) == "" {
			cel(at+"name", "status_check.name_blank")
		}
		if utf8.RuneCountInString(c.Name) > maxNameOrURLCodepoint {
			cel(at+"name", "status_check.name_too_long")
		}
		// external_url
		u := c.ExternalURL
		isURI := IsURI(u)
		isHTTP := r.httpScheme.MatchString(u)
		if u == "" {
			cel(at+"external_url", "status_check.external_url_blank")
		}
		if u != "" && !isURI {
			cel(at+"external_url", "status_check.external_url_invalid")
		}
		if isURI && !isHTTP {
			cel(at+"external_url", "status_check.external_url_scheme")
		}
		if isHTTP && !r.httpHost.MatchString(u) {
			cel(at+"external_url", "status_check.external_url_host")
		}
		if utf8.RuneCountInString(u) > maxNameOrURLCodepoint {
			cel(at+"external_url", "status_check.external_url_too_long")
		}
		// protected_branch_ids
		if !unique(c.ProtectedBranchIDs, func(id int64) int64 { return id }) {
			out = append(out, Violation{Field: at + "protected_branch_ids", Rule: ruleBranchesUnique, Message: msgBranchesUnique})
		}
		for j, id := range c.ProtectedBranchIDs {
			if id <= 0 {
				out = append(out, Violation{Field: at + "protected_branch_ids[" + strconv.Itoa(j) + "]", Rule: ruleBranchGt, Message: msgBranchGt})
			}
		}
		// timeout_seconds
		if c.TimeoutSeconds < 0 || c.TimeoutSeconds > maxTimeoutSeconds {
			out = append(out, Violation{Field: at + "timeout_seconds", Rule: ruleTimeoutRange, Message: msgTimeoutRange})
		}
	}
	return out
}

// unique is protovalidate's unique() (and repeated.unique): no two equal.
func unique[T any, K comparable](items []T, key func(T) K) bool {
	seen := make(map[K]struct{}, len(items))
	for _, it := range items {
		k := key(it)
		if _, dup := seen[k]; dup {
			return false
		}
		seen[k] = struct{}{}
	}
	return true
}
