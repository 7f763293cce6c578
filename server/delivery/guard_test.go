package delivery

import (
	"errors"
	"net/netip"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestLocalKind(t *testing.T) {
	t.Parallel()
	for addr, want := range map[string]string{
		"127.0.0.1":              "loopback",
		"127.255.0.9":            "loopback",
		"::1":                    "loopback",
		"::ffff:127.0.0.1":       "loopback",
		"0.0.0.0":                "unspecified",
		"0.1.2.3":                "unspecified",
		"::":                     "unspecified",
		"169.254.169.254":        "link-local",
		"fe80::1":                "link-local",
		"fe80::1%eth0":           "link-local",
		"::ffff:169.254.1.1":     "link-local",
		"10.0.0.1":               "private",
		"172.16.0.1":             "private",
		"172.31.255.255":         "private",
		"192.168.1.1":            "private",
		"::ffff:10.1.2.3":        "private",
		"fd00::1":                "private",
		"fc00::1":                "private",
		"100.64.0.1":             "shared (CGNAT)",
		"100.127.255.254":        "shared (CGNAT)",
		"224.0.0.1":              "link-local",
		"224.0.1.1":              "multicast",
		"239.1.2.3":              "multicast",
		"ff02::1":                "link-local",
		"ff05::2":                "multicast",
		"255.255.255.255":        "reserved",
		"240.0.0.1":              "reserved",
		"198.18.0.1":             "reserved",
		"192.0.0.8":              "reserved",
		"fec0::1":                "site-local",
		"::a00:1":                "reserved",
		"64:ff9b::a00:1":         "private",
		"64:ff9b::7f00:1":        "loopback",
		"64:ff9b:1::1":           "local NAT64",
		"2002:7f00:1::1":         "loopback",
		"2002:c0a8:101::1":       "private",
		"8.8.8.8":                "",
		"1.1.1.1":                "",
		"100.63.255.255":         "",
		"100.128.0.1":            "",
		"172.15.255.255":         "",
		"172.32.0.1":             "",
		"198.20.0.1":             "",
		"::ffff:8.8.8.8":         "",
		"2606:4700:4700::1111":   "",
		"64:ff9b::808:808":       "",
		"2002:808:808::1":        "",
		"2001:db8:85a3::8a2e:37": "",
	} {
		require.Equal(t, want, localKind(netip.MustParseAddr(addr)), addr)
	}
}

func TestGuardControl(t *testing.T) {
	t.Parallel()
	require.NoError(t, guardControl("tcp4", "93.184.215.14:443", nil))
	require.NoError(t, guardControl("tcp6", "[2606:4700::1]:80", nil))

	err := guardControl("tcp6", "[::ffff:10.0.0.5]:8080", nil)
	var blocked *BlockedAddressError
	require.True(t, errors.As(err, &blocked))
	require.Equal(t, "private", blocked.Kind)
	require.Equal(t, "refused to connect to ::ffff:10.0.0.5 (private address): requests to the local network are not allowed", err.Error())

	err = guardControl("tcp6", "[fe80::1%eth0]:80", nil)
	require.True(t, errors.As(err, &blocked))
	require.Equal(t, netip.MustParseAddr("fe80::1"), blocked.Addr)

	require.Error(t, guardControl("tcp", "not-an-address", nil), "what cannot be checked is refused")
}
