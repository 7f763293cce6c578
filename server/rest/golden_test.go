package rest_test

import (
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"golang.org/x/tools/txtar"

	"github.com/signalbox/signalbox/server/gitrepo/gitrepotest"
	"github.com/signalbox/signalbox/server/servertest"
)

var update = flag.Bool("update", false, "rewrite the response sections of the golden archives")

// TestGolden replays every archive in testdata against a fresh server and
// compares each response byte for byte: status, the headers the archive
// names, and the body. In a body, ${NAME} matches a value not known in
// advance (a token) and captures it for later requests.
func TestGolden(t *testing.T) {
	files, err := filepath.Glob("testdata/*/*.txtar")
	if err != nil {
		t.Fatal(err)
	}
	if len(files) == 0 {
		t.Fatal("no golden archives")
	}
	for _, file := range files {
		name := strings.TrimSuffix(strings.TrimPrefix(file, "testdata/"), ".txtar")
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			runArchive(t, file)
		})
	}
}

// GoldenExternalURL is the base of every URL in golden bodies.
const goldenExternalURL = "http://signalbox.test"

func runArchive(t *testing.T, file string) {
	ar, err := txtar.ParseFile(file)
	if err != nil {
		t.Fatal(err)
	}
	srv := servertest.New(t, servertest.WithExternalURL(goldenExternalURL), servertest.ManualTrains())
	vars := map[string]string{"ROOT": servertest.RootToken}
	worktrees := map[string]*gitrepotest.Worktree{}
	changed := false
	for i := 0; i < len(ar.Files); i++ {
		req := ar.Files[i]
		if strings.HasPrefix(req.Name, "setup") {
			setup(t, srv, string(req.Data), vars, worktrees)
			continue
		}
		if !strings.HasSuffix(req.Name, ".request") {
			t.Fatalf("%s: section %q: want N.request", file, req.Name)
		}
		step := strings.TrimSuffix(req.Name, ".request")
		if i+1 >= len(ar.Files) || ar.Files[i+1].Name != step+".response" {
			t.Fatalf("%s: %s has no %s.response", file, req.Name, step)
		}
		i++
		want := &ar.Files[i]
		got := send(t, srv.URL, substitute(string(req.Data), vars))
		msg := compare(want.Data, got, vars)
		switch {
		case msg == "":
		case *update:
			want.Data = render(got, headerNames(want.Data), vars)
			captureAll(want.Data, got, vars)
			changed = true
		default:
			t.Fatalf("%s, step %s:\n%s", file, step, msg)
		}
	}
	if changed {
		if err := os.WriteFile(file, txtar.Format(ar), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// setup runs shorthand steps through the REST API as root, so an archive can
// state its fixture in a few lines. Each step must succeed.
//
//	project <namespace/path> [private|internal|public]
//	user <username>                    (its token becomes ${USERNAME})
//	member <project> <username> <guest|reporter|developer|maintainer|owner>
//	protect <project> <branch name or pattern>
//	check <project> <name> <url> [shared secret]
//	push <project> <branch> [from <start>] <path>=<content> ...
//	                                   (a real git push; the new head
//	                                   becomes ${SHA_<BRANCH>})
//	mr <project> <source> <target> <title words...>
//	settle                             (merge trains take every step they
//	                                   can, then stop)
//	tick <duration>                    (the fake clock moves on)
func setup(t *testing.T, srv *servertest.Server, script string, vars map[string]string, worktrees map[string]*gitrepotest.Worktree) {
	t.Helper()
	base := srv.URL
	levels := map[string]string{"guest": "10", "reporter": "20", "developer": "30", "maintainer": "40", "owner": "50"}
	users := map[string]string{}
	do := func(method, path, body string) string {
		t.Helper()
		got := send(t, base, method+" "+path+"\nPRIVATE-TOKEN: "+servertest.RootToken+"\nContent-Type: application/json\n\n"+body)
		if got.status/100 != 2 {
			t.Fatalf("setup %s %s: %d %s", method, path, got.status, got.body)
		}
		return string(got.body)
	}
	field := func(body, name string) string {
		m := regexp.MustCompile(`"` + name + `":("?)([^",}]*)`).FindStringSubmatch(body)
		if m == nil {
			t.Fatalf("setup: no %s in %s", name, body)
		}
		return m[2]
	}
	for _, line := range strings.Split(script, "\n") {
		f := strings.Fields(line)
		if len(f) == 0 || strings.HasPrefix(f[0], "#") {
			continue
		}
		switch f[0] {
		case "project":
			_, path, _ := strings.Cut(f[1], "/")
			visibility := "private"
			if len(f) > 2 {
				visibility = f[2]
			}
			do("POST", "/api/v4/projects", fmt.Sprintf(`{"path":%q,"visibility":%q}`, path, visibility))
		case "user":
			body := do("POST", "/api/v4/users", fmt.Sprintf(`{"username":%q,"name":%q,"email":"%s@example.test","password":"unused-password"}`, f[1], strings.ToUpper(f[1][:1])+f[1][1:], f[1]))
			users[f[1]] = field(body, "id")
			tok := do("POST", "/api/v4/users/"+users[f[1]]+"/personal_access_tokens", `{"name":"test","scopes":["api"]}`)
			vars[strings.ToUpper(f[1])] = field(tok, "token")
		case "member":
			do("POST", "/api/v4/projects/"+url.PathEscape(f[1])+"/members", fmt.Sprintf(`{"user_id":%s,"access_level":%s}`, users[f[2]], levels[f[3]]))
		case "protect":
			do("POST", "/api/v4/projects/"+url.PathEscape(f[1])+"/protected_branches", fmt.Sprintf(`{"name":%q}`, f[2]))
		case "check":
			secret := ""
			if len(f) > 4 {
				secret = f[4]
			}
			do("POST", "/api/v4/projects/"+url.PathEscape(f[1])+"/external_status_checks", fmt.Sprintf(`{"name":%q,"external_url":%q,"shared_secret":%q}`, f[2], f[3], secret))
		case "push":
			w := worktrees[f[1]]
			if w == nil {
				w = gitrepotest.NewWorktree(t)
				remote := strings.Replace(base, "http://", "http://root:"+servertest.RootToken+"@", 1) + "/" + f[1] + ".git"
				w.Git("remote", "add", "origin", remote)
				worktrees[f[1]] = w
			}
			files := map[string]string{}
			rest := f[3:]
			if len(f) > 4 && f[3] == "from" {
				w.Branch(f[2], f[4])
				rest = f[5:]
			} else {
				w.Checkout(f[2])
			}
			for _, kv := range rest {
				path, content, _ := strings.Cut(kv, "=")
				files[path] = content + "\n"
			}
			sha := w.Commit("Change "+strings.Join(rest, " "), files)
			w.Git("push", "--quiet", "origin", f[2])
			name := "SHA_" + strings.ToUpper(nonWord.ReplaceAllString(f[2], "_"))
			vars[name] = sha
			n := 1 // and ${SHA_<BRANCH>_<n>} for the n-th push, to name old heads
			for vars[name+"_"+strconv.Itoa(n)] != "" {
				n++
			}
			vars[name+"_"+strconv.Itoa(n)] = sha
		case "mr":
			do("POST", "/api/v4/projects/"+url.PathEscape(f[1])+"/merge_requests",
				fmt.Sprintf(`{"source_branch":%q,"target_branch":%q,"title":%q}`, f[2], f[3], strings.Join(f[4:], " ")))
		case "settle":
			if err := srv.App.SettleTrains(t.Context()); err != nil {
				t.Fatalf("setup: settle: %v", err)
			}
		case "tick":
			d, err := time.ParseDuration(f[1])
			if err != nil {
				t.Fatalf("setup: %v", err)
			}
			srv.Clock.Advance(d)
		default:
			t.Fatalf("setup: unknown step %q", line)
		}
	}
}

type response struct {
	status int
	header http.Header
	body   []byte
}

// send parses "METHOD PATH", header lines, a blank line and a body, and
// sends it.
func send(t *testing.T, base, text string) response {
	t.Helper()
	head, body, _ := strings.Cut(text, "\n\n")
	lines := strings.Split(strings.TrimRight(head, "\n"), "\n")
	method, path, ok := strings.Cut(lines[0], " ")
	if !ok {
		t.Fatalf("bad request line %q", lines[0])
	}
	body = strings.TrimSuffix(body, "\n")
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequestWithContext(t.Context(), method, base+path, rd)
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range lines[1:] {
		k, v, _ := strings.Cut(l, ":")
		req.Header.Add(strings.TrimSpace(k), strings.TrimSpace(v))
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	return response{status: res.StatusCode, header: res.Header, body: b}
}

var nonWord = regexp.MustCompile(`[^A-Za-z0-9]+`)

var varRef = regexp.MustCompile(`\$\{([A-Z0-9_]+)\}`)

func substitute(s string, vars map[string]string) string {
	return varRef.ReplaceAllStringFunc(s, func(m string) string {
		if v, ok := vars[varRef.FindStringSubmatch(m)[1]]; ok {
			return v
		}
		return m
	})
}

// splitResponse reads "STATUS", header lines, a blank line and a body.
func splitResponse(data []byte) (status string, headers []string, body string) {
	text := string(data)
	head, body, _ := strings.Cut(text, "\n\n")
	lines := strings.Split(strings.TrimRight(head, "\n"), "\n")
	return lines[0], lines[1:], strings.TrimSuffix(body, "\n")
}

func headerNames(data []byte) []string {
	_, headers, _ := splitResponse(data)
	var names []string
	for _, h := range headers {
		k, _, _ := strings.Cut(h, ":")
		names = append(names, strings.TrimSpace(k))
	}
	return names
}

// bodyPattern turns an expected body into a regexp: literal text, with each
// unknown ${NAME} capturing a value.
func bodyPattern(expected string, vars map[string]string) (*regexp.Regexp, []string) {
	var re strings.Builder
	var names []string
	re.WriteString("^")
	rest := expected
	for {
		loc := varRef.FindStringSubmatchIndex(rest)
		if loc == nil {
			re.WriteString(regexp.QuoteMeta(rest))
			break
		}
		re.WriteString(regexp.QuoteMeta(rest[:loc[0]]))
		name := rest[loc[2]:loc[3]]
		if v, ok := vars[name]; ok {
			re.WriteString(regexp.QuoteMeta(v))
		} else {
			re.WriteString(`([^"]*)`)
			names = append(names, name)
		}
		rest = rest[loc[1]:]
	}
	re.WriteString("$")
	return regexp.MustCompile(re.String()), names
}

func compare(want []byte, got response, vars map[string]string) string {
	status, headers, body := splitResponse(want)
	var problems []string
	if status != strconv.Itoa(got.status) {
		problems = append(problems, fmt.Sprintf("status: got %d, want %s", got.status, status))
	}
	for _, h := range headers {
		k, v, _ := strings.Cut(h, ":")
		v = substitute(strings.TrimSpace(v), vars)
		if g := got.header.Get(strings.TrimSpace(k)); g != v {
			problems = append(problems, fmt.Sprintf("header %s: got %q, want %q", k, g, v))
		}
	}
	re, names := bodyPattern(body, vars)
	m := re.FindStringSubmatch(string(got.body))
	if m == nil {
		problems = append(problems, fmt.Sprintf("body:\n got: %s\nwant: %s", got.body, body))
	} else {
		for i, n := range names {
			vars[n] = m[i+1]
		}
	}
	return strings.Join(problems, "\n")
}

// captureAll learns the ${NAME} values of a freshly rewritten response.
func captureAll(want []byte, got response, vars map[string]string) {
	_, _, body := splitResponse(want)
	re, names := bodyPattern(body, vars)
	if m := re.FindStringSubmatch(string(got.body)); m != nil {
		for i, n := range names {
			vars[n] = m[i+1]
		}
	}
}

// render writes a response section from what the server answered, keeping
// the header names the archive asserts and turning known values back into
// ${NAME}, longest first.
func render(got response, names []string, vars map[string]string) []byte {
	var b strings.Builder
	b.WriteString(strconv.Itoa(got.status) + "\n")
	for _, n := range names {
		b.WriteString(n + ": " + got.header.Get(n) + "\n")
	}
	b.WriteString("\n")
	body := string(got.body)
	keys := make([]string, 0, len(vars))
	for k := range vars {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool { return len(vars[keys[i]]) > len(vars[keys[j]]) })
	for _, k := range keys {
		if vars[k] != "" {
			body = strings.ReplaceAll(body, vars[k], "${"+k+"}")
		}
	}
	b.WriteString(body)
	if body != "" {
		b.WriteString("\n")
	}
	return []byte(b.String())
}
