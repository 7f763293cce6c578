package rest

import (
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"connectrpc.com/connect/v2"
	"golang.org/x/tools/txtar"

	signalboxv1 "github.com/signalbox/signalbox/gen/signalbox/v1"
)

// TestEveryRouteHasAGoldenArchive fails when a route is added without a
// golden case that calls it.
func TestEveryRouteHasAGoldenArchive(t *testing.T) {
	t.Parallel()
	hit := map[string]bool{}
	mux := http.NewServeMux()
	for _, rt := range (&Handler{}).routes() {
		mux.HandleFunc(rt.pattern, func(http.ResponseWriter, *http.Request) { hit[rt.pattern] = true })
	}
	files, err := filepath.Glob("testdata/*/*.txtar")
	if err != nil {
		t.Fatal(err)
	}
	for _, file := range files {
		data, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		for _, f := range txtar.Parse(data).Files {
			if !strings.HasSuffix(f.Name, ".request") {
				continue
			}
			line, _, _ := strings.Cut(string(f.Data), "\n")
			method, path, _ := strings.Cut(line, " ")
			mux.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest(method, path, nil))
		}
	}
	for _, rt := range (&Handler{}).routes() {
		if !hit[rt.pattern] {
			t.Errorf("route %q has no golden archive under testdata/", rt.pattern)
		}
	}
}

// TestGitLabFailureTable pins the answer to every Connect code, so a code
// cannot reach a GitLab client as an unplanned 500.
func TestGitLabFailureTable(t *testing.T) {
	t.Parallel()
	tests := []struct {
		code   connect.Code
		reason signalboxv1.Reason
		status int
	}{
		{connect.CodeCanceled, 0, 503},
		{connect.CodeUnknown, 0, 500},
		{connect.CodeInvalidArgument, 0, 422},
		{connect.CodeDeadlineExceeded, 0, 503},
		{connect.CodeNotFound, signalboxv1.Reason_REASON_PROJECT_NOT_FOUND, 404},
		{connect.CodeNotFound, signalboxv1.Reason_REASON_NOT_FOUND, 404},
		{connect.CodeAlreadyExists, signalboxv1.Reason_REASON_MEMBER_EXISTS, 409},
		{connect.CodePermissionDenied, signalboxv1.Reason_REASON_PERMISSION_DENIED, 403},
		{connect.CodePermissionDenied, signalboxv1.Reason_REASON_INSUFFICIENT_SCOPE, 403},
		{connect.CodeResourceExhausted, 0, 429},
		{connect.CodeResourceExhausted, signalboxv1.Reason_REASON_TOO_MANY_WATCHES, 429},
		{connect.CodeResourceExhausted, signalboxv1.Reason_REASON_PAGE_TOO_LARGE, 400},
		{connect.CodeInvalidArgument, signalboxv1.Reason_REASON_EXPIRY_IN_PAST, 400},
		{connect.CodeFailedPrecondition, signalboxv1.Reason_REASON_SHA_MISMATCH, 409},
		{connect.CodeFailedPrecondition, signalboxv1.Reason_REASON_STATUS_CHECK_NOT_FAILED, 422},
		{connect.CodeFailedPrecondition, signalboxv1.Reason_REASON_PROTECTED_BRANCH_OUTSIDE_PROJECT, 422},
		{connect.CodeAborted, 0, 409},
		{connect.CodeOutOfRange, 0, 500},
		{connect.CodeUnimplemented, 0, 501},
		{connect.CodeInternal, 0, 500},
		{connect.CodeUnavailable, 0, 503},
		{connect.CodeDataLoss, 0, 500},
		{connect.CodeUnauthenticated, 0, 401},
	}
	for _, tt := range tests {
		f := gitlabFailure(apiError{code: tt.code, problem: &signalboxv1.Problem{Reason: tt.reason}})
		if f.status != tt.status {
			t.Errorf("%v/%v: status %d, want %d", tt.code, tt.reason, f.status, tt.status)
		}
	}
}
