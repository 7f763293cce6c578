package githttp

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/textproto"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/signalbox/signalbox/server/gitrepo"
)

// maxBackendHeader bounds the CGI header block git http-backend writes
// before its body; its real headers are a few hundred bytes.
const maxBackendHeader = 16 << 10

// maxBackendStderr bounds how much of http-backend's standard error is
// kept for the log.
const maxBackendStderr = 16 << 10

// backendRequest is what one run of git http-backend serves.
type backendRequest struct {
	repo     Repository
	endpoint string // info/refs, git-upload-pack or git-receive-pack
	service  string // git-upload-pack or git-receive-pack
	// denyRewrites makes receive-pack refuse every non-fast-forward update
	// of the push, each with git's own "non-fast-forward" reason: git's
	// setting is per push, not per ref, so a force push to an unprotected
	// branch in the same push as a protected one is refused too.
	denyRewrites bool
	// reported, if not nil, is called once receive-pack has reported its
	// ref updates, while its hooks and auto gc may still run (reportWatch).
	reported func()
}

// serveBackend runs git http-backend as a CGI program for one request, in
// a process group of its own. It is written out rather than handed to
// net/http/cgi so that the backend's environment holds only what it needs
// (never a header such as Authorization), it sees the service the door
// authorized and no other, and it cannot outlive its client: when the
// request ends, the response stalls past the write timeout or the client
// goes away, the whole group (http-backend, upload-pack or receive-pack,
// pack-objects or index-pack) is killed.
func (h *Handler) serveBackend(w http.ResponseWriter, r *http.Request, b backendRequest) {
	ctx, cancel := context.WithCancel(r.Context())
	defer cancel()

	query := ""
	if b.endpoint == infoRefs {
		query = "service=" + b.service
	}
	env := []string{
		// The repository is wherever the Resolver says, not under a
		// project root that mirrors URLs.
		"PATH_TRANSLATED=" + filepath.Join(b.repo.Dir, b.endpoint),
		"REQUEST_METHOD=" + r.Method,
		"QUERY_STRING=" + query,
		"SERVER_PROTOCOL=HTTP/1.1",
		"GIT_HTTP_EXPORT_ALL=1",
		// Access has been decided already; these keep http-backend from
		// deciding again on REMOTE_USER or the repository's config.
		"GIT_CONFIG_COUNT=4",
		"GIT_CONFIG_KEY_0=http.receivepack", "GIT_CONFIG_VALUE_0=true",
		"GIT_CONFIG_KEY_1=http.uploadpack", "GIT_CONFIG_VALUE_1=true",
		"GIT_CONFIG_KEY_2=http.getanyfile", "GIT_CONFIG_VALUE_2=false",
		"GIT_CONFIG_KEY_3=receive.denyNonFastForwards", "GIT_CONFIG_VALUE_3=" + strconv.FormatBool(b.denyRewrites),
	}
	if host, _, err := net.SplitHostPort(r.RemoteAddr); err == nil {
		env = append(env, "REMOTE_ADDR="+host)
	}
	// The request headers http-backend reads, and no others.
	for header, variable := range map[string]string{
		"Content-Type":     "CONTENT_TYPE",
		"Content-Encoding": "HTTP_CONTENT_ENCODING",
		"Git-Protocol":     "HTTP_GIT_PROTOCOL",
	} {
		if v := r.Header.Get(header); v != "" {
			env = append(env, variable+"="+v)
		}
	}
	if r.ContentLength > 0 {
		// Without a length (chunked, or decompressed by the door)
		// http-backend reads to the end.
		env = append(env, "CONTENT_LENGTH="+strconv.FormatInt(r.ContentLength, 10))
	}

	cmd := exec.CommandContext(ctx, h.runner.GitPath(), "http-backend")
	cmd.Dir = b.repo.Dir
	cmd.Env = h.runner.Environ(env...)
	if r.Method == http.MethodPost {
		cmd.Stdin = r.Body
	}
	stderr := &capped{max: maxBackendStderr}
	cmd.Stderr = stderr
	inProcessGroup(cmd)
	// After a kill, do not wait long for a pipe a grandchild kept open, or
	// for a request body that is not coming.
	cmd.WaitDelay = time.Second
	stdout, err := cmd.StdoutPipe()
	if err == nil {
		err = cmd.Start()
	}
	if err != nil {
		h.logger.ErrorContext(ctx, "git http-backend: start", "project_id", b.repo.ProjectID, "error", err)
		http.Error(w, http.StatusText(http.StatusInternalServerError), http.StatusInternalServerError)
		return
	}
	defer func() {
		// A backend that is done has closed its output; one that is not
		// (an error below) has been cancelled, which kills its group.
		if err := cmd.Wait(); err != nil && ctx.Err() == nil && !errors.Is(err, exec.ErrWaitDelay) {
			h.logger.WarnContext(ctx, "git http-backend", "project_id", b.repo.ProjectID, "endpoint", b.endpoint, "error", err)
		}
		if stderr.buf.Len() > 0 {
			h.logger.WarnContext(ctx, "git http-backend", "project_id", b.repo.ProjectID,
				"endpoint", b.endpoint, "stderr", gitrepo.Redact(stderr.buf.String()))
		}
	}()

	out := bufio.NewReaderSize(stdout, 4096)
	status, header, err := readCGIHeader(out)
	if err != nil {
		cancel()
		h.logger.ErrorContext(ctx, "git http-backend: response", "project_id", b.repo.ProjectID, "endpoint", b.endpoint, "error", err)
		http.Error(w, http.StatusText(http.StatusInternalServerError), http.StatusInternalServerError)
		return
	}
	for k, vs := range header {
		for _, v := range vs {
			w.Header().Add(k, v)
		}
	}
	w.WriteHeader(status)
	// Flushing every chunk lets progress and keepalive packets reach the
	// client while pack-objects or index-pack work.
	var dst io.Writer = &progressWriter{w: w, ctl: http.NewResponseController(w), timeout: h.writeTimeout}
	if b.reported != nil {
		// The watch sees each chunk after the client got it.
		dst = io.MultiWriter(dst, &reportWatch{reported: b.reported})
	}
	if _, err := io.CopyBuffer(dst, out, make([]byte, 32<<10)); err != nil {
		cancel()
		h.logger.InfoContext(ctx, "git http-backend killed: the client went away or stopped reading", "project_id", b.repo.ProjectID,
			"endpoint", b.endpoint, "error", err)
	}
}

// readCGIHeader reads the CGI header block: "Status: 403 Forbidden" and
// ordinary header lines, up to a blank line. r must be the reader the body
// is then copied from, so that nothing read ahead is lost.
func readCGIHeader(r *bufio.Reader) (int, http.Header, error) {
	header := http.Header{}
	status := 0
	for size := 0; ; {
		line, isPrefix, err := r.ReadLine()
		size += len(line)
		switch {
		case err != nil:
			return 0, nil, fmt.Errorf("read CGI header: %w", err)
		case isPrefix || size > maxBackendHeader:
			return 0, nil, errors.New("CGI header too long")
		}
		if len(line) == 0 {
			break
		}
		name, value, ok := strings.Cut(string(line), ":")
		if !ok {
			return 0, nil, fmt.Errorf("bad CGI header line %q", line)
		}
		value = textproto.TrimString(value)
		if name != "Status" {
			header.Add(name, value)
			continue
		}
		code, _, _ := strings.Cut(value, " ")
		if status, err = strconv.Atoi(code); err != nil || status < 100 || status > 999 {
			return 0, nil, fmt.Errorf("bad CGI status %q", value)
		}
	}
	if status == 0 {
		if header.Get("Content-Type") == "" {
			return 0, nil, errors.New("CGI response without Status or Content-Type")
		}
		status = http.StatusOK
	}
	return status, header, nil
}

// progressWriter writes and flushes each chunk under a write deadline, so a
// client that stops reading is cut after timeout (zero: never).
type progressWriter struct {
	w       io.Writer
	ctl     *http.ResponseController
	timeout time.Duration
}

func (p *progressWriter) Write(b []byte) (int, error) {
	armed := p.timeout > 0 && p.ctl.SetWriteDeadline(time.Now().Add(p.timeout)) == nil
	n, err := p.w.Write(b)
	if err == nil {
		err = p.ctl.Flush()
		if errors.Is(err, http.ErrNotSupported) {
			err = nil
		}
	}
	if armed {
		_ = p.ctl.SetWriteDeadline(time.Time{})
	}
	return n, err
}

// capped keeps the first max bytes written to it.
type capped struct {
	buf bytes.Buffer
	max int
}

func (c *capped) Write(p []byte) (int, error) {
	if room := c.max - c.buf.Len(); room > 0 {
		c.buf.Write(p[:min(room, len(p))])
	}
	return len(p), nil
}
