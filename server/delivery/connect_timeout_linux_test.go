//go:build linux

package delivery_test

import (
	"net"
	"strconv"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/signalbox/signalbox/server/delivery"
)

// unresponsiveAddr returns a loopback address that never completes a TCP
// handshake: a socket listening with a backlog of 0 that never accepts, whose
// queue is already taken by one connection, so Linux drops further SYNs.
func unresponsiveAddr(t *testing.T) string {
	t.Helper()
	fd, err := syscall.Socket(syscall.AF_INET, syscall.SOCK_STREAM, 0)
	require.NoError(t, err)
	t.Cleanup(func() { syscall.Close(fd) })
	require.NoError(t, syscall.Bind(fd, &syscall.SockaddrInet4{Addr: [4]byte{127, 0, 0, 1}}))
	require.NoError(t, syscall.Listen(fd, 0))
	sa, err := syscall.Getsockname(fd)
	require.NoError(t, err)
	addr := net.JoinHostPort("127.0.0.1", strconv.Itoa(sa.(*syscall.SockaddrInet4).Port))

	filler, err := net.DialTimeout("tcp4", addr, time.Second)
	require.NoError(t, err)
	t.Cleanup(func() { filler.Close() })
	return addr
}

func TestClientConnectTimeout(t *testing.T) {
	t.Parallel()
	addr := unresponsiveAddr(t)
	client := delivery.NewClient(
		delivery.WithAllowLocalNetwork(true),
		delivery.WithConnectTimeout(100*time.Millisecond),
		delivery.WithTotalTimeout(10*time.Second),
	)
	res := client.Attempt(t.Context(), "http://"+addr+"/hook", signed([]byte(`{}`)), []byte(`{}`))
	require.Equal(t, delivery.OutcomeRetryable, res.Outcome)
	require.Equal(t, "could not connect within 100ms", res.Error)
	require.GreaterOrEqual(t, res.Duration, 100*time.Millisecond)
	require.Less(t, res.Duration, 10*time.Second, "the connect timeout, not the total one, must end the attempt")
}
