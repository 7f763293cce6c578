package api_test

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	reflectionpb "google.golang.org/grpc/reflection/grpc_reflection_v1"

	"github.com/signalbox/signalbox/server/servertest"
)

// TestReflectionAndHealthWithGRPCGo uses grpc-go's own clients, which is what
// grpcurl does: "grpcurl -plaintext 127.0.0.1:8080 list" works.
func TestReflectionAndHealthWithGRPCGo(t *testing.T) {
	t.Parallel()
	srv := servertest.New(t)
	conn, err := grpc.NewClient(strings.TrimPrefix(srv.URL, "http://"), grpc.WithTransportCredentials(insecure.NewCredentials()))
	require.NoError(t, err)
	t.Cleanup(func() { conn.Close() })

	stream, err := reflectionpb.NewServerReflectionClient(conn).ServerReflectionInfo(t.Context())
	require.NoError(t, err)
	require.NoError(t, stream.Send(&reflectionpb.ServerReflectionRequest{
		MessageRequest: &reflectionpb.ServerReflectionRequest_ListServices{ListServices: "*"},
	}))
	res, err := stream.Recv()
	require.NoError(t, err)
	var names []string
	for _, s := range res.GetListServicesResponse().GetService() {
		names = append(names, s.GetName())
	}
	require.Contains(t, names, "signalbox.v1.StatusCheckService")
	require.Contains(t, names, "signalbox.v1.ProjectService")
	require.Contains(t, names, "grpc.health.v1.Health")

	// A described file lets grpcurl build requests without the protos.
	require.NoError(t, stream.Send(&reflectionpb.ServerReflectionRequest{
		MessageRequest: &reflectionpb.ServerReflectionRequest_FileContainingSymbol{FileContainingSymbol: "signalbox.v1.StatusCheckService"},
	}))
	res, err = stream.Recv()
	require.NoError(t, err)
	require.NotEmpty(t, res.GetFileDescriptorResponse().GetFileDescriptorProto())

	health, err := healthpb.NewHealthClient(conn).Check(t.Context(), &healthpb.HealthCheckRequest{Service: "signalbox.v1.StatusCheckService"})
	require.NoError(t, err)
	require.Equal(t, healthpb.HealthCheckResponse_SERVING, health.GetStatus())
}
