package delivery_test

import (
	"encoding/json"
	"errors"
	"reflect"
	"testing"
	"time"

	"github.com/signalbox/signalbox/sdk/go/receiver"
	"github.com/signalbox/signalbox/server/delivery"
)

// wireString is what a string becomes through encoding/json: each byte that
// is not part of valid UTF-8 turns into U+FFFD, as converting to runes does.
func wireString(s string) string { return string([]rune(s)) }

// fuzzTime turns fuzzed seconds into a time within years 0001-9999, the
// range the payload's formats are meant for; zero stays the zero time.
func fuzzTime(secs int64) time.Time {
	if secs == 0 {
		return time.Time{}
	}
	const span = 253402300799 + 62135596800 // 0001-01-01 to 9999-12-31, in seconds
	if secs < 0 {
		secs = -(secs + 1) // no overflow at the most negative value
	}
	return time.Unix(secs%span-62135596800, 0).UTC()
}

// FuzzPayloadRoundTrip: any event either is refused as incomplete or
// encodes to valid JSON that the SDK's receiver decodes back to the same
// values. Seeds are the GitLab documentation's example (sampleEvent) and the
// shapes a push, a retry and a draft take.
func FuzzPayloadRoundTrip(f *testing.F) {
	ev := sampleEvent()
	f.Add(ev.Project.ID, ev.Project.PathWithNamespace, ev.MergeRequest.IID, ev.MergeRequest.Title, ev.MergeRequest.Description,
		ev.MergeRequest.SourceBranch, ev.MergeRequest.TargetBranch, ev.Commit.SHA, ev.Commit.Message, ev.Action, "",
		ev.Check.ID, ev.Check.Name, ev.Check.URL, false, ev.MergeRequest.CreatedAt.Unix())
	f.Add(int64(1), "root/demo", int64(2), "Draft: café <b>&</b>", "", "feature/x", "main",
		"0123456789abcdef0123456789abcdef01234567", "subject\r\nbody", "update", "89abcdef0123456789abcdef0123456789abcdef",
		int64(7), "compliance", "https://compliance.example.test/check?token=a&b=c", true, int64(1767323045))
	f.Add(int64(9), "ns/p", int64(1), "retry", "", "a", "b", "abc", "", "", "", int64(3), "c", "http://c.test/", false, int64(0))
	f.Add(int64(0), "", int64(0), "", "", "", "", "", "", "", "", int64(0), "", "", false, int64(-1))
	f.Add(int64(1), "\xff/\xfe", int64(1), "\xed\xa0\x80 \x00 \u2028", "\"\\", "\xff", "\t", "\x80", "\n\n", "open", "\xc0",
		int64(1), "\u00e9\xe9", "\x7f", false, int64(1<<40))
	f.Fuzz(func(t *testing.T, projectID int64, path string, iid int64, title, description, source, target, sha, message, action, oldRev string,
		checkID int64, checkName, checkURL string, draft bool, created int64) {
		ev := &delivery.Event{
			Project: delivery.Project{ID: projectID, Name: path, PathWithNamespace: path, WebURL: "https://sb.test/" + path, HTTPURL: "https://sb.test/" + path + ".git"},
			MergeRequest: delivery.MergeRequest{
				ID: iid, IID: iid, Title: title, Description: description, State: "opened", SourceBranch: source, TargetBranch: target,
				CreatedAt: fuzzTime(created), UpdatedAt: fuzzTime(created), Draft: draft,
			},
			Commit: delivery.Commit{SHA: sha, Message: message, Timestamp: fuzzTime(created)},
			Action: action, OldRev: oldRev,
			Check: delivery.Check{ID: checkID, Name: checkName, URL: checkURL},
		}
		body, err := delivery.Payload(ev)
		complete := projectID > 0 && iid > 0 && sha != "" && checkID > 0
		if !complete {
			if err == nil {
				t.Fatalf("an incomplete event was encoded: %s", body)
			}
			return
		}
		if errors.Is(err, delivery.ErrPayloadTooLarge) {
			return // the fuzzer's strings are far from 25 MiB; kept for completeness
		}
		if err != nil {
			t.Fatalf("Payload: %v", err)
		}
		if !json.Valid(body) {
			t.Fatalf("not JSON: %s", body)
		}
		got, err := receiver.Decode(body)
		if err != nil {
			t.Fatalf("receiver.Decode: %v\n%s", err, body)
		}
		want := receiver.Event{
			ProjectID: projectID, MergeRequestIID: iid, SHA: wireString(sha), HeadSHA: wireString(sha),
			Action: wireString(action), OldRev: wireString(oldRev), Title: wireString(title),
			SourceBranch: wireString(source), TargetBranch: wireString(target),
			Check: receiver.Check{ID: checkID, Name: wireString(checkName), URL: wireString(checkURL)},
		}
		got.Raw = nil
		if !reflect.DeepEqual(*got, want) {
			t.Fatalf("decoded %+v\nwant    %+v", *got, want)
		}
		// The draft flag, description and commit message survive too; the
		// receiver keeps them in Raw.
		var raw struct {
			ObjectAttributes struct {
				Description string `json:"description"`
				Draft       bool   `json:"draft"`
				WIP         bool   `json:"work_in_progress"`
				LastCommit  struct {
					Message string `json:"message"`
				} `json:"last_commit"`
			} `json:"object_attributes"`
		}
		if err := json.Unmarshal(body, &raw); err != nil {
			t.Fatal(err)
		}
		a := raw.ObjectAttributes
		if a.Description != wireString(description) || a.Draft != draft || a.WIP != draft || a.LastCommit.Message != wireString(message) {
			t.Fatalf("object_attributes %+v for description %q draft %v message %q", a, description, draft, message)
		}
	})
}

// FuzzPipelinePayload: any pipeline event encodes to valid JSON carrying its
// identity, and a status check receiver never takes it for a merge request
// event.
func FuzzPipelinePayload(f *testing.F) {
	f.Add(int64(1), "root/demo", int64(12), int64(3), "refs/merge-requests/1/train", "0123456789abcdef0123456789abcdef01234567",
		"", "merge_request_event", "running", int64(1767323045), int64(0), true, int64(1))
	f.Add(int64(6), "flightjs/Flight", int64(31), int64(31), "main", "bcbb5ec396a2c0f828686f14fac9b80b780504f2",
		"2293ada6b400935a1378653304eaf6221e0fdb8f", "push", "success", int64(1767323045), int64(1767323105), false, int64(0))
	f.Add(int64(0), "", int64(0), int64(0), "", "", "", "", "", int64(0), int64(-5), true, int64(-1))
	f.Fuzz(func(t *testing.T, projectID int64, path string, id, iid int64, ref, sha, before, source, status string,
		created, finished int64, withMR bool, mrIID int64) {
		ev := &delivery.PipelineEvent{
			Project: delivery.Project{ID: projectID, Name: path, PathWithNamespace: path},
			ID:      id, IID: iid, Ref: ref, SHA: sha, BeforeSHA: before, Source: source, Status: status,
			CreatedAt: fuzzTime(created), FinishedAt: fuzzTime(finished),
		}
		if withMR {
			ev.MergeRequest = &delivery.MergeRequest{ID: mrIID, IID: mrIID, Title: ref, SourceBranch: ref, TargetBranch: "main", State: "opened"}
		}
		body, err := delivery.PipelinePayload(ev)
		if err != nil {
			t.Fatalf("PipelinePayload: %v", err)
		}
		if !json.Valid(body) {
			t.Fatalf("not JSON: %s", body)
		}
		var got struct {
			ObjectKind       string `json:"object_kind"`
			ObjectAttributes struct {
				ID        int64  `json:"id"`
				IID       int64  `json:"iid"`
				Ref       string `json:"ref"`
				SHA       string `json:"sha"`
				BeforeSHA string `json:"before_sha"`
				Status    string `json:"status"`
				Duration  *int64 `json:"duration"`
			} `json:"object_attributes"`
			MergeRequest *struct {
				IID int64 `json:"iid"`
			} `json:"merge_request"`
			Project struct {
				ID int64 `json:"id"`
			} `json:"project"`
		}
		if err := json.Unmarshal(body, &got); err != nil {
			t.Fatal(err)
		}
		a := got.ObjectAttributes
		wantBefore := wireString(before)
		if before == "" {
			wantBefore = "0000000000000000000000000000000000000000"
		}
		switch {
		case got.ObjectKind != "pipeline", got.Project.ID != projectID, a.ID != id, a.IID != iid,
			a.Ref != wireString(ref), a.SHA != wireString(sha), a.BeforeSHA != wantBefore, a.Status != wireString(status):
			t.Fatalf("decoded %+v from %s", got, body)
		case withMR != (got.MergeRequest != nil), withMR && got.MergeRequest.IID != mrIID:
			t.Fatalf("merge_request %+v, want iid %d: %s", got.MergeRequest, mrIID, body)
		case (a.Duration != nil) != (!ev.CreatedAt.IsZero() && !ev.FinishedAt.IsZero()):
			t.Fatalf("duration %v for created %d finished %d", a.Duration, created, finished)
		}
		if _, err := receiver.Decode(body); !errors.Is(err, receiver.ErrInvalidPayload) {
			t.Fatalf("a status check receiver took a pipeline hook for a merge request event: %v", err)
		}
	})
}
