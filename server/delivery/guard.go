package delivery

import (
	"fmt"
	"net/netip"
	"syscall"
)

// BlockedAddressError reports that a delivery would have connected to an
// address on the local network while that is not allowed. It names the
// address the dialer was about to use, which after DNS resolution may differ
// from the host in the check's URL.
type BlockedAddressError struct {
	// Addr is the refused address.
	Addr netip.Addr
	// Kind says which range it is in, such as "loopback" or "private".
	Kind string
}

// Error says which address was refused and why, in words fit for a
// maintainer reading the delivery log.
func (e *BlockedAddressError) Error() string {
	return fmt.Sprintf("refused to connect to %s (%s address): requests to the local network are not allowed", e.Addr, e.Kind)
}

// guardControl is a [net.Dialer] Control function. It runs after DNS
// resolution, on the exact address about to be connected, so a name that
// resolves to a public address when a URL is saved and to a local one later
// (DNS rebinding) is still refused.
func guardControl(network, address string, _ syscall.RawConn) error {
	ap, err := netip.ParseAddrPort(address)
	if err != nil {
		// Refuse what cannot be checked.
		return fmt.Errorf("refused to connect to unparseable address %q on %s", address, network)
	}
	if kind := localKind(ap.Addr()); kind != "" {
		return &BlockedAddressError{Addr: ap.Addr().WithZone(""), Kind: kind}
	}
	return nil
}

// localKind names the non-public range addr belongs to, or returns "" for an
// address on the public internet.
func localKind(addr netip.Addr) string {
	addr = addr.WithZone("").Unmap() // ::ffff:127.0.0.1 is 127.0.0.1
	switch {
	case !addr.IsValid():
		return "invalid"
	case addr.IsUnspecified():
		return "unspecified"
	case addr.IsLoopback():
		return "loopback"
	case addr.IsLinkLocalUnicast(), addr.IsLinkLocalMulticast():
		return "link-local"
	case addr.IsMulticast(), addr.IsInterfaceLocalMulticast():
		return "multicast"
	case addr.IsPrivate(): // RFC 1918 and RFC 4193 (fc00::/7)
		return "private"
	}
	if addr.Is4() {
		b := addr.As4()
		switch {
		case b[0] == 0:
			return "unspecified" // 0.0.0.0/8, "this network"
		case b[0] == 100 && b[1]&0xc0 == 64:
			return "shared (CGNAT)" // 100.64.0.0/10
		case b[0] == 192 && b[1] == 0 && b[2] == 0:
			return "reserved" // 192.0.0.0/24, IETF protocol assignments
		case b[0] == 198 && b[1]&0xfe == 18:
			return "reserved" // 198.18.0.0/15, benchmarking
		case b[0] >= 240:
			return "reserved" // 240.0.0.0/4 and the broadcast address
		}
		return ""
	}
	b := addr.As16()
	switch {
	case b[0] == 0xfe && b[1]&0xc0 == 0xc0:
		return "site-local" // fec0::/10, deprecated but still routed by some
	case isZero(b[:12]):
		return "reserved" // ::/96, the deprecated IPv4-compatible form
	case b[0] == 0x00 && b[1] == 0x64 && b[2] == 0xff && b[3] == 0x9b:
		if isZero(b[4:12]) {
			// 64:ff9b::/96, NAT64: judge the IPv4 address it translates to.
			return localKind(netip.AddrFrom4([4]byte(b[12:16])))
		}
		if b[4] == 0 && b[5] == 1 {
			return "local NAT64" // 64:ff9b:1::/48
		}
	case b[0] == 0x20 && b[1] == 0x02:
		// 2002::/16, 6to4: judge the IPv4 address of the relay.
		return localKind(netip.AddrFrom4([4]byte(b[2:6])))
	}
	return ""
}

func isZero(b []byte) bool {
	for _, x := range b {
		if x != 0 {
			return false
		}
	}
	return true
}
