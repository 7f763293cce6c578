package rest_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	gitlab "gitlab.com/gitlab-org/api/client-go/v2"

	"github.com/signalbox/signalbox/server/config"
	"github.com/signalbox/signalbox/server/servertest"
)

// receiver is a check service: it collects the merge request events it is
// sent.
type receiver struct {
	*httptest.Server
	got chan *gitlab.MergeEvent
}

func newReceiver(t *testing.T) *receiver {
	t.Helper()
	r := &receiver{got: make(chan *gitlab.MergeEvent, 100)}
	r.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		body, _ := io.ReadAll(req.Body)
		ev, err := gitlab.ParseWebhook(gitlab.EventTypeMergeRequest, body)
		if err != nil {
			t.Errorf("receiver: %v in %s", err, body)
			return
		}
		r.got <- ev.(*gitlab.MergeEvent)
	}))
	t.Cleanup(r.Close)
	return r
}

// next is the next event, in the order deliveries are made.
func (r *receiver) next(t *testing.T) *gitlab.MergeEvent {
	t.Helper()
	select {
	case ev := <-r.got:
		return ev
	case <-time.After(15 * time.Second):
		t.Fatal("the check service was asked nothing")
		return nil
	}
}

// checkedProject is a project with main and feature pushed, a status check
// that reaches rcv, and merge request !1 from feature to main, whose
// opening rcv has been told of.
func checkedProject(t *testing.T, srv *servertest.Server, root *gitlab.Client, rcv *receiver) *gitlab.Project {
	t.Helper()
	proj, _, err := root.Projects.CreateProject(&gitlab.CreateProjectOptions{Name: gitlab.Ptr("Demo")})
	require.NoError(t, err)
	w := srv.Clone(t, proj.PathWithNamespace)
	w.Push("main", "", map[string]string{"README": "hello\n"})
	w.Push("feature", "main", map[string]string{"app": "v1\n"})
	_, _, err = root.ExternalStatusChecks.CreateProjectExternalStatusCheck(proj.ID, &gitlab.CreateProjectExternalStatusCheckOptions{
		Name: gitlab.Ptr("Compliance"), ExternalURL: gitlab.Ptr(rcv.URL + "/hook"),
	})
	require.NoError(t, err)
	_, _, err = root.MergeRequests.CreateMergeRequest(proj.ID, &gitlab.CreateMergeRequestOptions{
		SourceBranch: gitlab.Ptr("feature"), TargetBranch: gitlab.Ptr("main"), Title: gitlab.Ptr("Add app"),
	})
	require.NoError(t, err)
	require.Equal(t, "open", rcv.next(t).ObjectAttributes.Action)
	return proj
}

// userClient creates a user with a token and makes them a member at level
// (none when level is 0).
func userClient(t *testing.T, srv *servertest.Server, root *gitlab.Client, name string, projectID int64, level gitlab.AccessLevelValue) *gitlab.Client {
	t.Helper()
	u, _, err := root.Users.CreateUser(&gitlab.CreateUserOptions{
		Email: gitlab.Ptr(name + "@example.test"), Username: gitlab.Ptr(name), Name: gitlab.Ptr(name),
		Password: gitlab.Ptr("correct-horse-battery"),
	})
	require.NoError(t, err)
	pat, _, err := root.Users.CreatePersonalAccessToken(u.ID, &gitlab.CreatePersonalAccessTokenOptions{
		Name: gitlab.Ptr("t"), Scopes: &[]string{"api"},
	})
	require.NoError(t, err)
	if level != 0 {
		_, _, err = root.ProjectMembers.AddProjectMember(projectID, &gitlab.AddProjectMemberOptions{UserID: u.ID, AccessLevel: gitlab.Ptr(level)})
		require.NoError(t, err)
	}
	c, err := gitlab.NewClient(pat.Token, gitlab.WithBaseURL(srv.URL+"/api/v4"))
	require.NoError(t, err)
	return c
}

func localServer(t *testing.T) (*servertest.Server, *gitlab.Client) {
	t.Helper()
	srv := servertest.New(t, servertest.RealClock(), servertest.WithConfig(func(c *config.Config) { c.AllowLocalNetwork = true }))
	root, err := gitlab.NewClient(servertest.RootToken, gitlab.WithBaseURL(srv.URL+"/api/v4"))
	require.NoError(t, err)
	return srv, root
}

// TestCommentsAndApprovalsAskTheChecks: a comment, an approval and an
// unapproval each reach the check service with the merge request payload
// (seeds 002 and 004), and the endpoints answer as GitLab's.
func TestCommentsAndApprovalsAskTheChecks(t *testing.T) {
	t.Parallel()
	srv, root := localServer(t)
	rcv := newReceiver(t)
	proj := checkedProject(t, srv, root, rcv)

	// A comment: 201 with GitLab's note; the check is asked again.
	note, resp, err := root.Notes.CreateMergeRequestNote(proj.ID, 1, &gitlab.CreateMergeRequestNoteOptions{Body: gitlab.Ptr("please look again")})
	require.NoError(t, err)
	require.Equal(t, http.StatusCreated, resp.StatusCode)
	require.Equal(t, "please look again", note.Body)
	require.Equal(t, "root", note.Author.Username)
	require.False(t, note.System)
	require.Equal(t, "MergeRequest", note.NoteableType)
	ev := rcv.next(t)
	require.Empty(t, ev.ObjectAttributes.Action, "GitLab's merge request payload has no action for a comment")
	require.Equal(t, int64(1), ev.ObjectAttributes.IID)
	notes, _, err := root.Notes.ListMergeRequestNotes(proj.ID, 1, nil)
	require.NoError(t, err)
	require.Len(t, notes, 1)
	require.Equal(t, note.ID, notes[0].ID)
	status, body := srv.Call(t, servertest.RootToken, "POST", "/api/v4/projects/1/merge_requests/1/notes", map[string]any{})
	require.Equal(t, http.StatusBadRequest, status)
	require.JSONEq(t, `{"error":"body is missing"}`, string(body))

	// Approve: 201, approved by root; the check hears "approved".
	mr, _, err := root.MergeRequests.GetMergeRequest(proj.ID, 1, nil)
	require.NoError(t, err)
	_, _, err = root.MergeRequestApprovals.ApproveMergeRequest(proj.ID, 1, &gitlab.ApproveMergeRequestOptions{SHA: gitlab.Ptr("0000000000000000000000000000000000000000")})
	requireStatus(t, err, http.StatusConflict)
	approvals, resp, err := root.MergeRequestApprovals.ApproveMergeRequest(proj.ID, 1, &gitlab.ApproveMergeRequestOptions{SHA: gitlab.Ptr(mr.SHA)})
	require.NoError(t, err)
	require.Equal(t, http.StatusCreated, resp.StatusCode)
	require.True(t, approvals.Approved)
	require.True(t, approvals.UserHasApproved)
	require.False(t, approvals.UserCanApprove, "one approval per user")
	require.Len(t, approvals.ApprovedBy, 1)
	require.Equal(t, "root", approvals.ApprovedBy[0].User.Username)
	require.Equal(t, int64(1), approvals.IID)
	ev = rcv.next(t)
	require.Equal(t, "approved", ev.ObjectAttributes.Action)
	require.Equal(t, mr.SHA, ev.ObjectAttributes.LastCommit.ID)
	_, _, err = root.MergeRequestApprovals.ApproveMergeRequest(proj.ID, 1, nil)
	requireStatus(t, err, http.StatusUnauthorized)

	// A reporter may approve too; a guest may not (403), and an outsider
	// does not see the project (404).
	reporter := userClient(t, srv, root, "rita", proj.ID, gitlab.ReporterPermissions)
	approvals, _, err = reporter.MergeRequestApprovals.ApproveMergeRequest(proj.ID, 1, nil)
	require.NoError(t, err)
	require.Len(t, approvals.ApprovedBy, 2)
	require.Equal(t, "approved", rcv.next(t).ObjectAttributes.Action)
	guest := userClient(t, srv, root, "gus", proj.ID, gitlab.GuestPermissions)
	_, _, err = guest.MergeRequestApprovals.ApproveMergeRequest(proj.ID, 1, nil)
	requireStatus(t, err, http.StatusNotFound) // a guest cannot read a private project's merge requests
	outsider := userClient(t, srv, root, "olga", proj.ID, 0)
	_, _, err = outsider.MergeRequestApprovals.GetConfiguration(proj.ID, 1)
	requireStatus(t, err, http.StatusNotFound)

	// The approvals as each reader sees them.
	got, _, err := reporter.MergeRequestApprovals.GetConfiguration(proj.ID, 1)
	require.NoError(t, err)
	require.True(t, got.UserHasApproved)
	require.Len(t, got.ApprovedBy, 2)

	// Unapprove: 201; the check hears "unapproved"; again is 404.
	resp, err = root.MergeRequestApprovals.UnapproveMergeRequest(proj.ID, 1)
	require.NoError(t, err)
	require.Equal(t, http.StatusCreated, resp.StatusCode)
	require.Equal(t, "unapproved", rcv.next(t).ObjectAttributes.Action)
	_, err = root.MergeRequestApprovals.UnapproveMergeRequest(proj.ID, 1)
	requireStatus(t, err, http.StatusNotFound)
	got, _, err = root.MergeRequestApprovals.GetConfiguration(proj.ID, 1)
	require.NoError(t, err)
	require.False(t, got.UserHasApproved)
	require.True(t, got.UserCanApprove)
	require.Len(t, got.ApprovedBy, 1)
	require.Equal(t, "rita", got.ApprovedBy[0].User.Username)
}
