package run

import (
	"context"
	"fmt"
	"net"
	"net/netip"
	"strconv"
	"strings"
	"sync"
	"time"

	"brine/inventory/roster"
	"brine/inventory/target"
)

// maxScan bounds the addresses one scan tries (a /16).
const maxScan = 1 << 16

// scanRoster is salt-ssh's scan roster (--roster scan): TARGET is an
// address or a network (with -L, a list of them); each of its addresses
// is tried on ScanPorts, ScanTimeout each, and every address with a port
// open becomes a host (id and host the address, port the last one open),
// with roster_defaults beneath. Unlike salt-ssh, addresses with no port
// open are left out rather than reported unreachable.
func (o *Options) scanRoster(ctx context.Context, defaults map[string]any) (*roster.Roster, error) {
	ports, err := parsePorts(o.ScanPorts)
	if err != nil {
		return nil, err
	}
	timeout := o.ScanTimeout
	if timeout <= 0 {
		timeout = 10 * time.Millisecond
	}
	tgts := []string{o.Target}
	switch o.TargetKind {
	case target.Glob:
	case target.List:
		tgts = strings.FieldsFunc(o.Target, func(r rune) bool { return r == ',' || r == ' ' || r == '\t' })
	default:
		return nil, Usagef("--roster scan: TARGET is an address or a network (-L: a list of them), e.g. 10.0.0.0/24")
	}
	var addrs []netip.Addr
	for _, t := range tgts {
		if a, err := netip.ParseAddr(t); err == nil {
			addrs = append(addrs, a)
			continue
		}
		p, err := netip.ParsePrefix(t)
		if err != nil {
			return nil, Usagef("--roster scan: %q is neither an address nor a network (e.g. 10.0.0.0/24)", t)
		}
		p = p.Masked()
		hostBits := p.Addr().BitLen() - p.Bits()
		if hostBits > 16 {
			return nil, Usagef("--roster scan: %s has more than %d addresses: scan a /16 or smaller", p, maxScan)
		}
		for a := p.Addr(); p.Contains(a); a = a.Next() {
			// Python's ip_network().hosts(): not the network and broadcast
			// addresses of an IPv4 network larger than two.
			if a.Is4() && hostBits >= 2 && (a == p.Addr() || !p.Contains(a.Next())) {
				continue
			}
			addrs = append(addrs, a)
		}
		if len(addrs) > maxScan {
			return nil, Usagef("--roster scan: more than %d addresses", maxScan)
		}
	}
	open := make([]int, len(addrs))
	var wg sync.WaitGroup
	sem := make(chan struct{}, 256)
	for i, a := range addrs {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			for _, p := range ports {
				d := net.Dialer{Timeout: timeout}
				c, err := d.DialContext(ctx, "tcp", net.JoinHostPort(a.String(), strconv.Itoa(p)))
				if err == nil {
					c.Close()
					open[i] = p
				}
			}
		}()
	}
	wg.Wait()
	var b strings.Builder
	for i, a := range addrs {
		if open[i] != 0 {
			fmt.Fprintf(&b, "%q:\n  host: %q\n  port: %d\n", a.String(), a.String(), open[i])
		}
	}
	r, err := roster.Parse("(scan of "+o.Target+")", []byte(b.String()), defaults)
	if err != nil {
		return nil, UsageError{err}
	}
	if len(r.Hosts) == 0 {
		return nil, Usagef("--roster scan: no address of %s has port %s open", o.Target, o.ScanPorts)
	}
	return r, nil
}

// parsePorts reads --scan-ports: comma-separated port numbers.
func parsePorts(s string) ([]int, error) {
	if s == "" {
		s = "22"
	}
	var out []int
	for _, f := range strings.Split(s, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || n < 1 || n > 65535 {
			return nil, Usagef("--scan-ports %q: want port numbers from 1 to 65535, comma separated", s)
		}
		out = append(out, n)
	}
	return out, nil
}
