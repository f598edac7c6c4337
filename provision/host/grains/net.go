package grains

import (
	"context"
	"encoding/hex"
	"net"
	"os"
	"sort"
	"strings"
)

// hostsEntry is one line of /etc/hosts.
type hostsEntry struct {
	ip    net.IP
	names []string
}

func (s *system) hosts() []hostsEntry {
	var out []hostsEntry
	for _, line := range strings.Split(s.read("/etc/hosts"), "\n") {
		if i := strings.IndexByte(line, '#'); i >= 0 {
			line = line[:i]
		}
		f := strings.Fields(line)
		if len(f) < 2 {
			continue
		}
		ip := net.ParseIP(f[0])
		if ip == nil {
			continue
		}
		out = append(out, hostsEntry{ip: ip, names: f[1:]})
	}
	return out
}

// hostGrains fills fqdn, host, domain, localhost, id and fqdn_ip4/6. The
// fqdn is the canonical (first) name of the /etc/hosts line naming the host,
// as getaddrinfo(AI_CANONNAME) with "files" would return it; no DNS query is
// made, so collection stays fast on hosts with a broken resolver.
func (s *system) hostGrains(_ context.Context, g map[string]any) {
	node, _ := g["nodename"].(string)
	if node == "" || node == "(none)" {
		node = strings.TrimSpace(s.read("/etc/hostname"))
		g["nodename"] = node
	}
	entries := s.hosts()
	fqdn := node
	if !strings.Contains(node, ".") {
	find:
		for _, e := range entries {
			for _, n := range e.names {
				if n == node {
					fqdn = e.names[0]
					break find
				}
			}
		}
	}
	host, domain, _ := strings.Cut(fqdn, ".")
	g["localhost"] = node
	g["fqdn"] = fqdn
	g["host"] = host
	g["domain"] = domain
	g["id"] = fqdn
	g["server_id"] = serverID(fqdn)

	ip4, ip6 := []string{}, []string{}
	seen := map[string]bool{}
	for _, e := range entries {
		for _, n := range e.names {
			if n != fqdn || seen[e.ip.String()] {
				continue
			}
			seen[e.ip.String()] = true
			if e.ip.To4() != nil {
				ip4 = append(ip4, e.ip.String())
			} else {
				ip6 = append(ip6, e.ip.String())
			}
		}
	}
	g["fqdn_ip4"] = ip4
	g["fqdn_ip6"] = ip6
}

// fqdnsGrain is Salt's fqdns: the name each non-loopback address resolves
// back to, sorted; the reverse lookup is done in /etc/hosts only.
func (s *system) fqdnsGrain(addrs []net.IP) []string {
	entries := s.hosts()
	seen := map[string]bool{}
	out := []string{}
	for _, ip := range addrs {
		if ip.IsLoopback() {
			continue
		}
		for _, e := range entries {
			if e.ip.Equal(ip) {
				if n := e.names[0]; !seen[n] {
					seen[n] = true
					out = append(out, n)
				}
				break
			}
		}
	}
	sort.Strings(out)
	return out
}

// netGrains fills ipv4, ipv6 and the per-interface maps from the kernel's
// interface list (loopback included, as Salt does).
func (s *system) netGrains(_ context.Context, g map[string]any) {
	ipv4, ipv6 := []string{}, []string{}
	ipIf := map[string][]string{}
	ip4If := map[string][]string{}
	ip6If := map[string][]string{}
	hw := map[string]string{}
	ifaces := s.ifaces()
	var all []net.IP
	for _, in := range ifaces {
		all = append(all, in.Addrs...)
		ipIf[in.Name] = []string{}
		ip4If[in.Name] = []string{}
		ip6If[in.Name] = []string{}
		hw[in.Name] = in.HWAddr
		for _, ip := range in.Addrs {
			a := ip.String()
			ipIf[in.Name] = append(ipIf[in.Name], a)
			if ip.To4() != nil {
				ip4If[in.Name] = append(ip4If[in.Name], a)
				ipv4 = append(ipv4, a)
			} else {
				ip6If[in.Name] = append(ip6If[in.Name], a)
				ipv6 = append(ipv6, a)
			}
		}
	}
	g["ipv4"] = uniqSorted(ipv4)
	g["ipv6"] = uniqSorted(ipv6)
	g["ip_interfaces"] = ipIf
	g["ip4_interfaces"] = ip4If
	g["ip6_interfaces"] = ip6If
	g["hwaddr_interfaces"] = hw
	g["fqdns"] = s.fqdnsGrain(all)
}

// gatewayGrains fills ip_gw, ip4_gw and ip6_gw as Salt's default_gateway
// does (only where the ip tool is installed): the gateway address of the
// default route, True for a default route without one, else False. The
// routes come from /proc/net/route and /proc/net/ipv6_route.
func (s *system) gatewayGrains(_ context.Context, g map[string]any) {
	if s.which("ip") == "" {
		return
	}
	var gw4, gw6 any = false, false
	for i, line := range strings.Split(s.read("/proc/net/route"), "\n") {
		f := strings.Fields(line)
		if i == 0 || len(f) < 3 || f[1] != "00000000" {
			continue
		}
		gw4 = true
		if b, err := hex.DecodeString(f[2]); err == nil && len(b) == 4 && f[2] != "00000000" {
			gw4 = net.IPv4(b[3], b[2], b[1], b[0]).String()
		}
		break
	}
	for _, line := range strings.Split(s.read("/proc/net/ipv6_route"), "\n") {
		f := strings.Fields(line)
		// destination ::/0, not the unreachable and loopback entries
		if len(f) < 10 || f[0] != strings.Repeat("0", 32) || f[1] != "00" || f[9] == "lo" {
			continue
		}
		gw6 = true
		if b, err := hex.DecodeString(f[4]); err == nil && len(b) == 16 && f[4] != strings.Repeat("0", 32) {
			gw6 = net.IP(b).String()
		}
		break
	}
	g["ip4_gw"], g["ip6_gw"] = gw4, gw6
	g["ip_gw"] = gw4 != false || gw6 != false
}

func uniqSorted(in []string) []string {
	sort.Strings(in)
	out := in[:0]
	for i, v := range in {
		if i == 0 || v != in[i-1] {
			out = append(out, v)
		}
	}
	return out
}

// dnsGrains fills "dns" in Salt's shape from systemd-resolved's
// resolv.conf when there is one, else /etc/resolv.conf; no grain when
// neither can be read.
func (s *system) dnsGrains(_ context.Context, g map[string]any) {
	conf := "/etc/resolv.conf"
	if s.exists("/run/systemd/resolve/resolv.conf") {
		conf = "/run/systemd/resolve/resolv.conf"
	}
	text, err := os.ReadFile(s.path(conf))
	if err != nil {
		return
	}
	ns, ns4, ns6 := []string{}, []string{}, []string{}
	search, options, sortlist := []string{}, []string{}, []string{}
	domain := ""
	for _, line := range strings.Split(string(text), "\n") {
		f := strings.Fields(line)
		if len(f) < 2 || strings.HasPrefix(f[0], "#") || strings.HasPrefix(f[0], ";") {
			continue
		}
		switch f[0] {
		case "nameserver":
			ip := net.ParseIP(f[1])
			if ip == nil {
				continue
			}
			ns = append(ns, ip.String())
			if ip.To4() != nil {
				ns4 = append(ns4, ip.String())
			} else {
				ns6 = append(ns6, ip.String())
			}
		case "domain":
			domain = f[1]
		case "search":
			search = append(search, f[1:]...)
		case "options":
			options = append(options, f[1:]...)
		case "sortlist":
			sortlist = append(sortlist, f[1:]...)
		}
	}
	g["dns"] = map[string]any{
		"nameservers": ns, "ip4_nameservers": ns4, "ip6_nameservers": ns6,
		"domain": domain, "search": search, "options": options, "sortlist": sortlist,
	}
}
