package statuscheck

import (
	"context"
	"net/netip"
	"net/url"
	"strings"

	storagev1 "github.com/signalbox/signalbox/gen/signalbox/storage/v1"
)

// warnIfLocal warns in the server log when a check's URL names a host on
// the local network and the server refuses to deliver there (no
// --allow-local-network). The check is created all the same, as GitLab
// creates it; without the warning, the only trace is a refused attempt in
// the delivery log, where a newcomer does not look. Only literal addresses
// and localhost are recognised here: a name that resolves to a local
// address is refused at delivery, where the address is known. The log
// names the host, never the URL, whose userinfo and query may hold
// credentials.
func (s *Service) warnIfLocal(ctx context.Context, c *storagev1.StatusCheck) {
	if s.allowLocal {
		return
	}
	host, local := localHost(c.GetExternalUrl())
	if !local {
		return
	}
	s.logger.WarnContext(ctx, "status check URL is on the local network: its deliveries will be refused unless the server runs with --allow-local-network",
		"project_id", c.GetProjectId(), "check_id", c.GetId(), "host", host)
}

// localHost reports whether raw's host is localhost or a literal
// loopback, private, link-local or unspecified address.
func localHost(raw string) (string, bool) {
	u, err := url.Parse(raw)
	if err != nil {
		return "", false
	}
	host := strings.ToLower(u.Hostname())
	if host == "localhost" || strings.HasSuffix(host, ".localhost") {
		return host, true
	}
	addr, err := netip.ParseAddr(host)
	if err != nil {
		return host, false
	}
	addr = addr.Unmap()
	return host, addr.IsLoopback() || addr.IsPrivate() || addr.IsLinkLocalUnicast() || addr.IsUnspecified()
}
