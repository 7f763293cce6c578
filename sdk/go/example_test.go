package signalbox_test

import (
	"context"
	"fmt"
	"log"
	"net/http"
	"time"

	"connectrpc.com/connect/v2"
	"google.golang.org/protobuf/proto"

	signalboxv1 "github.com/signalbox/signalbox/gen/signalbox/v1"
	signalbox "github.com/signalbox/signalbox/sdk/go"
	"github.com/signalbox/signalbox/sdk/go/internal/examplesrv"
)

// exampleToken is the root token of the examples' server.
const exampleToken = examplesrv.RootToken

// startSignalbox runs a whole Signalbox on its embedded store, as "go run
// ./server" does, and returns its URL and a function that stops it.
func startSignalbox() (url string, stop func()) {
	srv := examplesrv.Start(false)
	return srv.URL, srv.Close
}

func ExampleNew() {
	url, stop := startSignalbox()
	defer stop()

	client, err := signalbox.New(url, signalbox.WithToken(exampleToken))
	if err != nil {
		log.Fatal(err)
	}
	ctx := context.Background()
	project, err := client.Projects.CreateProject(ctx, &signalboxv1.CreateProjectRequest{Name: "demo"})
	if err != nil {
		log.Fatal(err)
	}
	check, err := client.StatusChecks.CreateStatusCheck(ctx, &signalboxv1.CreateStatusCheckRequest{
		Project:      project.GetProject().GetPathWithNamespace(),
		Name:         proto.String("compliance"),
		ExternalUrl:  proto.String("https://compliance.example.com/check"),
		SharedSecret: proto.String("s3cret"),
	})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(project.GetProject().GetPathWithNamespace(), check.GetCheck().GetName(), check.GetCheck().GetHmac())
	// Output:
	// root/demo compliance true
}

func ExampleWithToken() {
	url, stop := startSignalbox()
	defer stop()
	ctx := context.Background()

	anonymous, _ := signalbox.New(url)
	_, err := anonymous.Users.GetCurrentUser(ctx, &signalboxv1.GetCurrentUserRequest{})
	fmt.Println(connect.CodeOf(err))

	root, _ := signalbox.New(url, signalbox.WithToken(exampleToken))
	me, err := root.Users.GetCurrentUser(ctx, &signalboxv1.GetCurrentUserRequest{})
	fmt.Println(me.GetUser().GetUsername(), err)
	// Output:
	// unauthenticated
	// root <nil>
}

// gRPC works on the same port as everything else: over h2c for http://
// URLs, over TLS for https:// ones.
func ExampleWithGRPC() {
	url, stop := startSignalbox()
	defer stop()

	client, err := signalbox.New(url, signalbox.WithGRPC(), signalbox.WithToken(exampleToken))
	if err != nil {
		log.Fatal(err)
	}
	ctx, info := connect.NewClientContext(context.Background())
	project, err := client.Projects.CreateProject(ctx, &signalboxv1.CreateProjectRequest{Path: "over-grpc"})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(project.GetProject().GetPathWithNamespace(), "via", info.Protocol)
	// Output:
	// root/over-grpc via grpc
}

func ExampleWithGRPCWeb() {
	url, stop := startSignalbox()
	defer stop()

	client, err := signalbox.New(url, signalbox.WithGRPCWeb(), signalbox.WithToken(exampleToken))
	if err != nil {
		log.Fatal(err)
	}
	ctx, info := connect.NewClientContext(context.Background())
	project, err := client.Projects.CreateProject(ctx, &signalboxv1.CreateProjectRequest{Path: "over-grpc-web"})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(project.GetProject().GetPathWithNamespace(), "via", info.Protocol)
	// Output:
	// root/over-grpc-web via grpcweb
}

// A client with its own timeouts. http.Client.Timeout bounds each attempt;
// a context deadline bounds a call with all its retries.
func ExampleWithHTTPClient() {
	url, stop := startSignalbox() // for example "https://signalbox.example.com"
	defer stop()

	client, err := signalbox.New(url,
		signalbox.WithToken(exampleToken),
		signalbox.WithHTTPClient(&http.Client{Timeout: 10 * time.Second}),
	)
	if err != nil {
		log.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	me, err := client.Users.GetCurrentUser(ctx, &signalboxv1.GetCurrentUserRequest{})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(me.GetUser().GetUsername())
	// Output:
	// root
}

// Here a stand-in server answers Unavailable to the first two calls, as one
// restarting would. The read gets through on its third attempt; the write
// is tried once, since it might have happened.
func ExampleWithRetry() {
	server := &flaky{failures: 2}
	url, stop := startFlaky(server)
	defer stop()

	client, err := signalbox.New(url, signalbox.WithRetry(5, 10*time.Millisecond, time.Second))
	if err != nil {
		log.Fatal(err)
	}
	ctx := context.Background()
	_, err = client.Projects.ListProjects(ctx, &signalboxv1.ListProjectsRequest{})
	fmt.Println("list:", err, "after", server.calls.Load(), "attempts")

	server.calls.Store(0)
	_, err = client.Projects.CreateProject(ctx, &signalboxv1.CreateProjectRequest{Path: "demo"})
	fmt.Println("create:", connect.CodeOf(err), "after", server.calls.Load(), "attempt")
	// Output:
	// list: <nil> after 3 attempts
	// create: unavailable after 1 attempt
}

func ExampleWithInterceptors() {
	url, stop := startSignalbox()
	defer stop()

	logCalls := func(next connect.ClientFunc) connect.ClientFunc {
		return func(ctx context.Context, spec connect.Spec) (connect.ClientStream, error) {
			fmt.Println("calling", spec.Procedure)
			return next(ctx, spec)
		}
	}
	client, err := signalbox.New(url, signalbox.WithToken(exampleToken), signalbox.WithInterceptors(logCalls))
	if err != nil {
		log.Fatal(err)
	}
	if _, err := client.Users.GetCurrentUser(context.Background(), &signalboxv1.GetCurrentUserRequest{}); err != nil {
		log.Fatal(err)
	}
	// Output:
	// calling /signalbox.v1.UserService/GetCurrentUser
}

func ExampleClient_AllProtectedBranches() {
	url, stop := startSignalbox()
	defer stop()
	client, _ := signalbox.New(url, signalbox.WithToken(exampleToken))
	ctx := context.Background()
	project, err := client.Projects.CreateProject(ctx, &signalboxv1.CreateProjectRequest{Path: "demo"})
	if err != nil {
		log.Fatal(err)
	}
	ref := project.GetProject().GetPathWithNamespace()
	for _, name := range []string{"main", "release/*", "stable"} {
		if _, err := client.ProtectedBranches.ProtectBranch(ctx, &signalboxv1.ProtectBranchRequest{Project: ref, Name: name}); err != nil {
			log.Fatal(err)
		}
	}

	for branch, err := range client.AllProtectedBranches(ctx, &signalboxv1.ListProtectedBranchesRequest{Project: ref}) {
		if err != nil {
			log.Fatal(err)
		}
		fmt.Println(branch.GetName())
	}
	// Output:
	// main
	// release/*
	// stable
}

func ExampleViolations() {
	url, stop := startSignalbox()
	defer stop()
	client, _ := signalbox.New(url, signalbox.WithToken(exampleToken))
	ctx := context.Background()
	project, err := client.Projects.CreateProject(ctx, &signalboxv1.CreateProjectRequest{Path: "demo"})
	if err != nil {
		log.Fatal(err)
	}
	check := &signalboxv1.CreateStatusCheckRequest{
		Project:     project.GetProject().GetPathWithNamespace(),
		Name:        proto.String("compliance"),
		ExternalUrl: proto.String("https://compliance.example.com/check"),
	}
	if _, err := client.StatusChecks.CreateStatusCheck(ctx, check); err != nil {
		log.Fatal(err)
	}

	// The same name again, and a URL no check may have.
	check.ExternalUrl = proto.String("ftp://compliance.example.com/")
	_, err = client.StatusChecks.CreateStatusCheck(ctx, check)
	fmt.Println(connect.CodeOf(err))
	for _, v := range signalbox.Violations(err) {
		fmt.Printf("%s: %s (%s)\n", v.Field, v.Message, v.RuleID)
	}
	// Output:
	// invalid_argument
	// name: Name has already been taken (status_check.name_taken)
	// external_url: External url is blocked: Only allowed schemes are http, https (status_check.external_url_scheme)
}

func ExampleProblemOf() {
	url, stop := startSignalbox()
	defer stop()
	client, _ := signalbox.New(url, signalbox.WithToken(exampleToken))

	_, err := client.StatusChecks.ListStatusChecks(context.Background(), &signalboxv1.ListStatusChecksRequest{Project: "root/missing"})
	fmt.Println(signalbox.IsNotFound(err), signalbox.ProblemOf(err).GetReason())
	// Output:
	// true REASON_PROJECT_NOT_FOUND
}

// A check service answers for the sha it was asked about. If the merge
// request moved on meanwhile, the server says so and names the new head,
// which the check can then look at instead.
func ExampleIsShaMismatch() {
	srv := examplesrv.Start(false)
	defer srv.Close()
	client, _ := signalbox.New(srv.URL, signalbox.WithToken(exampleToken))
	ctx := context.Background()

	// A merge request with a status check; the check service is asked about
	// the first head, and a push moves the merge request on before it answers.
	mr := srv.MergeRequest(ctx, client, "https://qa.example.invalid/hook", "")
	srv.Push(mr.Project, "feature", "", map[string]string{"README.md": "hello, world!\n"})

	answer := &signalboxv1.SetStatusCheckResponseRequest{
		Project:               mr.Project,
		MergeRequestIid:       mr.IID,
		ExternalStatusCheckId: mr.CheckID,
		Sha:                   proto.String(mr.Head),
		Status:                signalboxv1.StatusCheckStatus_STATUS_CHECK_STATUS_PASSED,
	}
	_, err := client.StatusChecks.SetStatusCheckResponse(ctx, answer)
	if head, ok := signalbox.IsShaMismatch(err); ok {
		fmt.Println("the merge request moved to", head[:8], "; checking that instead")
		return
	}
	if err != nil {
		log.Fatal(err)
	}
	// Output:
	// the merge request moved to 955a1a20 ; checking that instead
}
