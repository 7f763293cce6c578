package rest

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"mime"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"unicode/utf8"

	"golang.org/x/tools/txtar"
)

// goldenRequest is the part of a golden archive's request that
// parseParams reads.
type goldenRequest struct {
	contentType, query, body string
}

// goldenRequests reads the requests of the golden archives, the REST
// door's real inputs, with ${NAME} placeholders filled in; each distinct
// one once.
func goldenRequests(f *testing.F) []goldenRequest {
	f.Helper()
	files, err := filepath.Glob("testdata/*/*.txtar")
	if err != nil || len(files) == 0 {
		f.Fatalf("golden archives: %v", err)
	}
	placeholder := regexp.MustCompile(`\$\{[A-Z0-9_]+\}`)
	var out []goldenRequest
	seen := map[goldenRequest]bool{}
	for _, file := range files {
		data, err := os.ReadFile(file)
		if err != nil {
			f.Fatal(err)
		}
		for _, sec := range txtar.Parse(data).Files {
			if !strings.HasSuffix(sec.Name, ".request") {
				continue
			}
			text := placeholder.ReplaceAllString(string(sec.Data), "glpat-0123456789abcdef0123")
			head, body, _ := strings.Cut(text, "\n\n")
			lines := strings.Split(head, "\n")
			_, target, _ := strings.Cut(lines[0], " ")
			_, query, _ := strings.Cut(target, "?")
			req := goldenRequest{query: query, body: strings.TrimSuffix(body, "\n")}
			for _, l := range lines[1:] {
				if k, v, ok := strings.Cut(l, ":"); ok && strings.EqualFold(strings.TrimSpace(k), "Content-Type") {
					req.contentType = strings.TrimSpace(v)
				}
			}
			if !seen[req] {
				seen[req] = true
				out = append(out, req)
			}
		}
	}
	return out
}

// fuzzRequest builds a request by hand, since httptest.NewRequest panics
// on targets a client could still send.
func fuzzRequest(method, contentType, query string, body []byte) *http.Request {
	r := &http.Request{Method: method, URL: &url.URL{Path: "/api/v4/x", RawQuery: query}, Header: http.Header{}, Body: http.NoBody}
	if contentType != "" {
		r.Header.Set("Content-Type", contentType)
	}
	if body != nil {
		r.Body = io.NopCloser(bytes.NewReader(body))
	}
	return r
}

// FuzzParseParams: any query, Content-Type and body is parsed or refused
// with one of the errors the handler knows, never a panic; the size limit is
// exact; a body of another media type is ignored; no parameter the handler
// goes on with holds a malformed string; and every typed getter agrees with
// the string getter, whatever the values are.
func FuzzParseParams(f *testing.F) {
	for _, g := range goldenRequests(f) {
		f.Add(g.contentType, g.query, []byte(g.body), uint16(4096))
	}
	f.Add("application/json; charset=utf-8", "page=2&per_page=500", []byte(`{"page":"-3","per_page":0,"scopes":["api",7],"x":{"y":null}}`), uint16(4096))
	f.Add("application/x-www-form-urlencoded", "", []byte("protected_branch_ids[]=1&protected_branch_ids[]=2,3&page=99999999999"), uint16(4096))
	f.Add("", "a=1&a=2&b[]=x", []byte("per_page=%zz"), uint16(4096))
	f.Add("text/plain", "page=1", []byte(`{"page":2}`), uint16(4096))
	f.Add("application/json", "", []byte(`{"name": "x",`), uint16(4096))
	f.Add("application/json", "", []byte(`[1,2]`), uint16(4096))
	f.Add("application/json", "", []byte(`{"n":1e400,"b":true,"l":"1, 2,,3"}`), uint16(8))
	f.Add("multipart/form-data; boundary=x", ";;&&==", []byte("\r\n\t "), uint16(0))
	f.Add("application/x-www-form-urlencoded", "", []byte("name=%FF&external_url=x"), uint16(4096))
	f.Add("application/json", "", []byte("{\"name\":\"\xff\"}"), uint16(4096))
	f.Add("application/json", "", []byte(`{"name":["ok",{"deep":"a\u0000b"}]}`), uint16(4096))
	f.Add("", "name=a%00b", []byte("name=ok"), uint16(4096))
	f.Fuzz(func(t *testing.T, contentType, query string, body []byte, limit uint16) {
		maxBody := int64(limit)
		r := fuzzRequest("POST", contentType, query, body)
		p, err := parseParams(r, maxBody)
		if tooLarge := int64(len(body)) > maxBody; tooLarge != errors.Is(err, errBodyTooLarge) {
			t.Fatalf("%d bytes under a limit of %d: %v", len(body), maxBody, err)
		}
		if err != nil {
			if !errors.Is(err, errBodyTooLarge) && !errors.Is(err, errBodyNotJSON) && !errors.Is(err, errMalformed) {
				t.Fatalf("unexpected error %v", err)
			}
			return
		}
		if !malformedRequest(r) {
			for name, v := range p.values {
				if malformedJSON(v) || holdsMalformedList(v) {
					t.Fatalf("parameter %q = %q passed with a malformed string", name, v)
				}
			}
		}
		queryOnly, err := parseParams(fuzzRequest("POST", contentType, query, nil), maxBody)
		if err != nil {
			t.Fatalf("the query alone: %v", err)
		}
		mediaType, _, _ := mime.ParseMediaType(contentType)
		switch mediaType {
		case "application/json", "application/x-www-form-urlencoded", "":
		default:
			if !reflect.DeepEqual(p.values, queryOnly.values) {
				t.Fatalf("a %q body was read: %v, the query alone gives %v", mediaType, p.values, queryOnly.values)
			}
		}
		names := []string{"page", "per_page", "missing"}
		for name := range p.values {
			names = append(names, name)
		}
		for _, name := range names {
			checkGetters(t, p, name)
		}
		checkPageParams(t, p)
	})
}

// checkGetters calls every getter on one parameter and checks that the
// typed ones agree with str.
func checkGetters(t *testing.T, p *params, name string) {
	t.Helper()
	s, ok, strErr := p.str(name)
	if ok != p.has(name) {
		t.Fatalf("str(%q) present=%v, has=%v", name, ok, p.has(name))
	}
	if n, ok, err := p.int64(name); err == nil && ok {
		if strErr != nil {
			t.Fatalf("int64(%q) = %d but str fails: %v", name, n, strErr)
		}
		if want, perr := strconv.ParseInt(strings.TrimSpace(s), 10, 64); perr != nil || want != n {
			t.Fatalf("int64(%q) = %d from %q", name, n, s)
		}
	}
	if v, err := p.optInt32(name); err == nil && v != nil {
		if n, _, _ := p.int64(name); int64(*v) != n {
			t.Fatalf("optInt32(%q) = %d, int64 = %d", name, *v, n)
		}
	}
	if b, ok, err := p.bool(name); err == nil && ok {
		if _, isBool := p.values[name].(bool); !isBool {
			word := strings.ToLower(strings.TrimSpace(s))
			if !slices.Contains([]string{"true", "t", "1", "yes", "y", "on", "false", "f", "0", "no", "n", "off"}, word) {
				t.Fatalf("bool(%q) = %v from %q", name, b, s)
			}
		}
	}
	if v, err := p.optBool(name); err == nil && v != nil {
		if b, _, _ := p.bool(name); b != *v {
			t.Fatalf("optBool(%q) = %v, bool = %v", name, *v, b)
		}
	}
	items, listOK, listErr := p.list(name)
	if listOK != p.has(name) {
		t.Fatalf("list(%q) present=%v, has=%v", name, listOK, p.has(name))
	}
	if ns, ok, err := p.int64s(name); err == nil && ok {
		if listErr != nil || len(ns) != len(items) {
			t.Fatalf("int64s(%q) = %v, list = %q, %v", name, ns, items, listErr)
		}
		for i, n := range ns {
			if want, perr := strconv.ParseInt(items[i], 10, 64); perr != nil || want != n {
				t.Fatalf("int64s(%q)[%d] = %d from %q", name, i, n, items[i])
			}
		}
	}
	_, _ = p.optStr(name)
}

// checkPageParams: pages are refused only for values that are not
// integers, and are otherwise always within GitLab's bounds.
func checkPageParams(t *testing.T, p *params) {
	t.Helper()
	page, perPage, err := p.pageParams()
	_, _, pageErr := p.int64("page")
	_, _, perPageErr := p.int64("per_page")
	if (err != nil) != (pageErr != nil || perPageErr != nil) {
		t.Fatalf("pageParams error %v, page %v, per_page %v", err, pageErr, perPageErr)
	}
	if err == nil && (page < 1 || page > 1<<30 || perPage < 1 || perPage > 100) {
		t.Fatalf("pageParams = %d, %d from %v, %v", page, perPage, p.values["page"], p.values["per_page"])
	}
}

// FuzzParamsJSONMatchesForm: the same parameters sent as a JSON body
// (under any spelling of its Content-Type), a form body, or a query string
// read the same through every getter, or are refused by all three when a
// value is malformed; and a body's value wins over the query's, as in
// Grape.
func FuzzParamsJSONMatchesForm(f *testing.F) {
	f.Add("name", "Compliance Tool", "external_url", "https://compliance.example.test/check?token=123&a=b", int64(30), true, uint8(0))
	f.Add("source_branch", "feature/x", "title", "Draft: Other", int64(-1), false, uint8(1))
	f.Add("protected_branch_ids", "1, 2,,3", "access_level", " 40 ", int64(0), true, uint8(2))
	f.Add("page", "0", "per_page", "9223372036854775807", int64(9223372036854775807), false, uint8(3))
	f.Add("", "", "a;b", "c=d&e", int64(1), true, uint8(4))
	f.Add("state", "ON", "draft", "yes", int64(-9223372036854775808), false, uint8(5))
	f.Add("description", "café <b>&</b> \u2028", "sha", "", int64(7), true, uint8(6))
	f.Fuzz(func(t *testing.T, k1, v1, k2, v2 string, n int64, b bool, variant uint8) {
		for _, s := range []string{k1, v1, k2, v2} {
			// encoding/json rewrites invalid UTF-8, so such a body is not
			// the same parameters any more.
			if !utf8.ValidString(s) {
				return
			}
		}
		for _, k := range []string{k1, k2} {
			// "name[]" is a list in a form and a plain key in JSON; the
			// fixed names carry the typed values below.
			if strings.HasSuffix(k, "[]") || k == "num" || k == "flag" || k == "only_query" {
				return
			}
		}
		// The same key twice: the last value is what was sent. A malformed
		// value can only hold a NUL byte here, being valid UTF-8.
		sent := map[string]string{k1: v1}
		sent[k2] = v2
		if malformed(sent[k1]) || malformed(sent[k2]) {
			values := url.Values{}
			for k, v := range sent {
				values.Set(k, v)
			}
			jsonBody, err := json.Marshal(sent)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := parseParams(fuzzRequest("POST", "application/json", "", jsonBody), DefaultMaxBodyBytes); !errors.Is(err, errMalformed) {
				t.Fatalf("JSON %s: %v", jsonBody, err)
			}
			if _, err := parseParams(fuzzRequest("POST", "", "", []byte(values.Encode())), DefaultMaxBodyBytes); !errors.Is(err, errMalformed) {
				t.Fatalf("form %s: %v", values.Encode(), err)
			}
			if !malformedRequest(fuzzRequest("GET", "", values.Encode(), nil)) {
				t.Fatalf("query %s passed", values.Encode())
			}
			return
		}
		asJSON := map[string]any{k1: v1, k2: v2, "num": n, "flag": b}
		jsonBody, err := json.Marshal(asJSON)
		if err != nil {
			t.Fatal(err)
		}
		form := url.Values{}
		for k, v := range asJSON {
			switch v := v.(type) {
			case string:
				form.Set(k, v)
			case int64:
				form.Set(k, strconv.FormatInt(v, 10))
			case bool:
				form.Set(k, strconv.FormatBool(v))
			}
		}
		jsonTypes := []string{"application/json", "application/json; charset=utf-8", "Application/JSON"}
		formTypes := []string{"application/x-www-form-urlencoded", "application/x-www-form-urlencoded; charset=UTF-8", ""}
		parse := func(r *http.Request) *params {
			t.Helper()
			p, err := parseParams(r, DefaultMaxBodyBytes)
			if err != nil {
				t.Fatalf("parseParams: %v", err)
			}
			return p
		}
		fromJSON := parse(fuzzRequest("POST", jsonTypes[int(variant)%len(jsonTypes)], "", jsonBody))
		fromForm := parse(fuzzRequest("POST", formTypes[int(variant)%len(formTypes)], "", []byte(form.Encode())))
		fromQuery := parse(fuzzRequest("GET", "", form.Encode(), nil))
		for k := range asJSON {
			want := getters(fromJSON, k, k != "flag")
			for via, p := range map[string]*params{"form": fromForm, "query": fromQuery} {
				if got := getters(p, k, k != "flag"); !reflect.DeepEqual(got, want) {
					t.Fatalf("%q via %s: %+v\nvia JSON: %+v\nJSON %s\nform %s", k, via, got, want, jsonBody, form.Encode())
				}
			}
		}
		// The body wins over the query; what only the query has stays.
		mixed := parse(fuzzRequest("POST", jsonTypes[0], url.Values{k1: {v1 + "-from-query"}, "only_query": {"q"}}.Encode(), jsonBody))
		if got := getters(mixed, k1, true); !reflect.DeepEqual(got, getters(fromJSON, k1, true)) {
			t.Fatalf("%q: the query's value won over the body's: %+v", k1, got)
		}
		if s, ok, err := mixed.str("only_query"); s != "q" || !ok || err != nil {
			t.Fatalf("only_query = %q, %v, %v", s, ok, err)
		}
	})
}

// readings is what every getter says about one parameter, errors reduced to
// their text.
type readings struct {
	Str, Int, Bool, List, Int64s, Page any
}

// getters reads name through every getter. withLists is false for a
// boolean parameter, which a JSON body carries as true and a form as
// "true": Grape refuses the first as a list and splits the second, and so
// does params.
func getters(p *params, name string, withLists bool) readings {
	errText := func(err error) string {
		if err == nil {
			return ""
		}
		return err.Error()
	}
	var r readings
	s, ok, err := p.str(name)
	r.Str = []any{s, ok, errText(err)}
	n, ok, err := p.int64(name)
	r.Int = []any{n, ok, errText(err)}
	b, ok, err := p.bool(name)
	r.Bool = []any{b, ok, errText(err)}
	if withLists {
		l, ok, err := p.list(name)
		r.List = []any{l, ok, errText(err)}
		ns, ok, err := p.int64s(name)
		r.Int64s = []any{ns, ok, errText(err)}
	}
	page, perPage, err := p.pageParams()
	r.Page = []any{page, perPage, errText(err)}
	return r
}

// holdsMalformedList reports whether a list of form values holds a
// malformed string.
func holdsMalformedList(v any) bool {
	vs, ok := v.([]string)
	return ok && slices.ContainsFunc(vs, malformed)
}
