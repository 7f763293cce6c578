package rest

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"io"
	"mime"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"unicode/utf8"
)

// params are a request's parameters merged the way Grape merges them:
// query string first, then the body (JSON, or form-encoded), each later
// source overriding an earlier one. Path values are read separately.
type params struct {
	values map[string]any // string, []string, or a decoded JSON value
}

// errBodyNotJSON is a JSON body that does not parse.
var errBodyNotJSON = errors.New("message body does not match declared format")

// errBodyTooLarge is a body over the size limit.
var errBodyTooLarge = errors.New("request body too large")

// errMalformed is a request with a malformed string (see malformed).
var errMalformed = errors.New("malformed string in the request")

// malformed reports whether a string from a request is one GitLab refuses
// outright: not valid UTF-8, or holding a NUL byte. GitLab's
// Gitlab::Middleware::HandleMalformedStrings looks at the path, the
// credentials and every parameter value (query, form or JSON body) before
// anything else runs, and answers 400 "Bad Request" in plain text (see
// writeMalformed); the REST door does the same, so no such string reaches
// the API, its store or a log.
func malformed(s string) bool {
	return !utf8.ValidString(s) || strings.IndexByte(s, 0) >= 0
}

// malformedRequest reports whether the path, the query string or the
// credentials of r hold a malformed string, or the query string does not
// decode. The body is looked at by parseParams.
func malformedRequest(r *http.Request) bool {
	if malformed(r.URL.Path) {
		return true
	}
	query, err := url.ParseQuery(r.URL.RawQuery)
	if err != nil || malformedForm(query) {
		return true
	}
	auth := r.Header.Get("Authorization")
	if scheme, param, ok := strings.Cut(auth, " "); ok && strings.EqualFold(scheme, "Basic") {
		// GitLab looks at the decoded "user:password".
		if decoded, err := base64.StdEncoding.DecodeString(strings.TrimSpace(param)); err == nil {
			auth = string(decoded)
		}
	}
	return malformed(auth)
}

// malformedForm reports whether any value of a query or form is malformed.
func malformedForm(form url.Values) bool {
	for _, vs := range form {
		for _, v := range vs {
			if malformed(v) {
				return true
			}
		}
	}
	return false
}

// malformedJSON reports whether any string value in a decoded JSON value is
// malformed, at any depth. (Invalid UTF-8 never gets this far: the body is
// refused whole, since JSON text must be UTF-8 and decoding would quietly
// turn it into U+FFFD.)
func malformedJSON(v any) bool {
	switch v := v.(type) {
	case string:
		return malformed(v)
	case []any:
		for _, e := range v {
			if malformedJSON(e) {
				return true
			}
		}
	case map[string]any:
		for _, e := range v {
			if malformedJSON(e) {
				return true
			}
		}
	}
	return false
}

// writeMalformed is GitLab's answer to a malformed string, byte for byte:
// HandleMalformedStrings returns
// [400, { 'Content-Type' => 'text/plain' }, ['Bad Request']].
func writeMalformed(w http.ResponseWriter) {
	w.Header().Set("Content-Type", "text/plain")
	w.WriteHeader(http.StatusBadRequest)
	_, _ = w.Write([]byte("Bad Request"))
}

func parseParams(r *http.Request, maxBody int64) (*params, error) {
	p := &params{values: map[string]any{}}
	p.addForm(r.URL.Query())
	if r.Body == nil || r.Body == http.NoBody {
		return p, nil
	}
	body, err := io.ReadAll(http.MaxBytesReader(nil, r.Body, maxBody))
	var tooLarge *http.MaxBytesError
	if errors.As(err, &tooLarge) {
		return nil, errBodyTooLarge
	}
	if err != nil {
		return nil, err
	}
	if len(bytes.TrimSpace(body)) == 0 {
		return p, nil
	}
	mediaType, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	switch mediaType {
	case "application/json":
		if !utf8.Valid(body) {
			return nil, errMalformed
		}
		var obj map[string]any
		dec := json.NewDecoder(bytes.NewReader(body))
		dec.UseNumber()
		if err := dec.Decode(&obj); err != nil {
			return nil, errBodyNotJSON
		}
		// One JSON document and nothing after it, as Grape's parser
		// demands: `{"a":1} x` is not JSON and must not pass as {"a":1}.
		if _, err := dec.Token(); err != io.EOF {
			return nil, errBodyNotJSON
		}
		if malformedJSON(obj) {
			return nil, errMalformed
		}
		for k, v := range obj {
			p.values[k] = v
		}
	case "application/x-www-form-urlencoded", "":
		// A form that does not decode is malformed too: Rack refuses an
		// invalid %-escape, and the middleware answers for it.
		form, err := url.ParseQuery(string(body))
		if err != nil || malformedForm(form) {
			return nil, errMalformed
		}
		p.addForm(form)
	}
	return p, nil
}

// addForm adds form or query values. "name[]" collects into a list, as
// Rack does; a repeated plain name keeps its last value.
func (p *params) addForm(form url.Values) {
	for k, vs := range form {
		if name, ok := strings.CutSuffix(k, "[]"); ok {
			p.values[name] = vs
			continue
		}
		p.values[k] = vs[len(vs)-1]
	}
}

// paramError is a parameter Grape would refuse with 400 {"error": ...}.
type paramError struct {
	name   string
	reason string // "is invalid", "is missing", "does not have a valid value"
}

func (e *paramError) Error() string { return e.name + " " + e.reason }

func invalid(name string) error { return &paramError{name: name, reason: "is invalid"} }

func (p *params) has(name string) bool {
	_, ok := p.values[name]
	return ok
}

// str reads a string parameter. Numbers and booleans are accepted as their
// text; lists and objects are invalid.
func (p *params) str(name string) (string, bool, error) {
	v, ok := p.values[name]
	if !ok {
		return "", false, nil
	}
	switch v := v.(type) {
	case string:
		return v, true, nil
	case json.Number:
		return v.String(), true, nil
	case bool:
		return strconv.FormatBool(v), true, nil
	case nil:
		return "", true, nil
	}
	return "", true, invalid(name)
}

// optStr returns a pointer to the parameter's value, or nil when absent.
func (p *params) optStr(name string) (*string, error) {
	s, ok, err := p.str(name)
	if err != nil || !ok {
		return nil, err
	}
	return &s, nil
}

// int64 reads an integer parameter.
func (p *params) int64(name string) (int64, bool, error) {
	s, ok, err := p.str(name)
	if err != nil || !ok {
		return 0, ok, err
	}
	n, err := strconv.ParseInt(strings.TrimSpace(s), 10, 64)
	if err != nil {
		return 0, true, invalid(name)
	}
	return n, true, nil
}

func (p *params) optInt32(name string) (*int32, error) {
	n, ok, err := p.int64(name)
	if err != nil || !ok {
		return nil, err
	}
	if n != int64(int32(n)) {
		return nil, invalid(name)
	}
	v := int32(n)
	return &v, nil
}

// bool reads a boolean the way Grape coerces one.
func (p *params) bool(name string) (bool, bool, error) {
	v, ok := p.values[name]
	if !ok {
		return false, false, nil
	}
	if b, isBool := v.(bool); isBool {
		return b, true, nil
	}
	s, _, err := p.str(name)
	if err != nil {
		return false, true, err
	}
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "true", "t", "1", "yes", "y", "on":
		return true, true, nil
	case "false", "f", "0", "no", "n", "off":
		return false, true, nil
	}
	return false, true, invalid(name)
}

func (p *params) optBool(name string) (*bool, error) {
	b, ok, err := p.bool(name)
	if err != nil || !ok {
		return nil, err
	}
	return &b, nil
}

// list reads a list parameter: a JSON array, "name[]" form values, or one
// comma-separated string ("1,2"), as GitLab's list coercions accept.
func (p *params) list(name string) ([]string, bool, error) {
	v, ok := p.values[name]
	if !ok {
		return nil, false, nil
	}
	var out []string
	switch v := v.(type) {
	case []string:
		for _, s := range v {
			out = append(out, splitComma(s)...)
		}
	case []any:
		for _, e := range v {
			switch e := e.(type) {
			case string:
				out = append(out, strings.TrimSpace(e))
			case json.Number:
				out = append(out, e.String())
			default:
				return nil, true, invalid(name)
			}
		}
	case string:
		out = splitComma(v)
	case json.Number:
		out = []string{v.String()}
	case nil:
	default:
		return nil, true, invalid(name)
	}
	return out, true, nil
}

func splitComma(s string) []string {
	var out []string
	for _, part := range strings.Split(s, ",") {
		if part = strings.TrimSpace(part); part != "" {
			out = append(out, part)
		}
	}
	return out
}

// int64s reads a list of integers.
func (p *params) int64s(name string) ([]int64, bool, error) {
	items, ok, err := p.list(name)
	if err != nil || !ok {
		return nil, ok, err
	}
	out := make([]int64, 0, len(items))
	for _, s := range items {
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil {
			return nil, true, invalid(name)
		}
		out = append(out, n)
	}
	return out, true, nil
}

// pathInt64 reads an integer path value.
func pathInt64(r *http.Request, name string) (int64, error) {
	n, err := strconv.ParseInt(r.PathValue(name), 10, 64)
	if err != nil {
		return 0, invalid(name)
	}
	return n, nil
}

// pageParams reads page and per_page: GitLab treats a page below 1 as 1 and
// caps per_page at 100.
func (p *params) pageParams() (page, perPage int32, err error) {
	pg, _, err := p.int64("page")
	if err != nil {
		return 0, 0, err
	}
	pp, _, err := p.int64("per_page")
	if err != nil {
		return 0, 0, err
	}
	if pg < 1 {
		pg = 1
	}
	if pp < 1 {
		pp = 20
	}
	pp = min(pp, 100)
	pg = min(pg, 1<<30)
	return int32(pg), int32(pp), nil
}
