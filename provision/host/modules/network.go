package modules

import (
	"fmt"
	"maps"
	"net"
	"net/netip"
	"os"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"

	"brine/provision/host/state/hostcmd"
	"brine/provision/lib/fnmatch"
	"brine/provision/wire/spec"

	"brine/provision/wire/funcs"
)

// networkFuncs are the network.* readers formulas use (salt/modules/network.py
// over salt/utils/network.py).
func networkFuncs() map[string]fn {
	ipAddrs := fn{run: func(c *call) (any, error) { return c.ipAddrs("inet") }}
	ipAddrs6 := fn{run: func(c *call) (any, error) { return c.ipAddrs("inet6") }}
	hwAddr := fn{run: func(c *call) (any, error) {
		return c.ifaceInfo(func(d map[string]any) any {
			if v, ok := d["hwaddr"]; ok {
				return v
			}
			return ""
		})
	}}
	return map[string]fn{
		"network.interfaces": {run: func(c *call) (any, error) { return c.interfaces() }},
		"network.ip_addrs":   ipAddrs,
		"network.ipaddrs":    ipAddrs,
		"network.ip_addrs6":  ipAddrs6,
		"network.ipaddrs6":   ipAddrs6,
		"network.hw_addr":    hwAddr,
		"network.hwaddr":     hwAddr,
		"network.interface": {run: func(c *call) (any, error) {
			return c.ifaceInfo(func(d map[string]any) any {
				if v, ok := d["inet"]; ok {
					return v
				}
				return ""
			})
		}},
		"network.interface_ip": {run: func(c *call) (any, error) {
			return c.ifaceInfo(func(d map[string]any) any {
				if l, ok := d["inet"].([]any); ok && len(l) > 0 {
					if m, ok := l[0].(map[string]any); ok {
						return m["address"]
					}
				}
				return ""
			})
		}},
		"network.subnets":  {run: func(c *call) (any, error) { return c.subnets("inet", c.a["interfaces"]) }},
		"network.subnets6": {run: func(c *call) (any, error) { return c.subnets("inet6", nil) }},
		"network.in_subnet": {run: func(c *call) (any, error) {
			return c.inSubnet(c.str("cidr"), nil)
		}},
		"network.ip_in_subnet": {run: func(c *call) (any, error) {
			return c.inSubnet(c.str("cidr"), []string{c.str("ip_addr")})
		}},
		"network.calc_net":     {run: func(c *call) (any, error) { return calcNet(c.str("ip_addr"), c.a["netmask"]) }},
		"network.convert_cidr": {run: convertCIDR},
		"network.is_private": {run: func(c *call) (any, error) {
			a, err := parseAddr(c.str("ip_addr"))
			if err != nil {
				return nil, err
			}
			return isPrivate(a), nil
		}},
		"network.is_loopback": {run: func(c *call) (any, error) {
			a, err := parseAddr(c.str("ip_addr"))
			if err != nil {
				return nil, err
			}
			return a.IsLoopback(), nil
		}},
		"network.get_hostname": {run: func(c *call) (any, error) { return c.hostname(), nil }},
		"network.get_fqdn": {run: func(c *call) (any, error) {
			if f, ok := c.env.Grains["fqdn"].(string); ok && f != "" {
				return f, nil
			}
			return c.hostname(), nil
		}},
	}
}

// hostname is socket.gethostname(): the kernel's host name.
func (c *call) hostname() string {
	if b, ok := c.readText("/proc/sys/kernel/hostname"); ok {
		return strings.TrimSpace(string(b))
	}
	h, _ := os.Hostname()
	return h
}

// interfaces is salt.utils.network.interfaces() on Linux: `ip addr show`
// parsed as Salt parses it when the host has ip, else the kernel's
// interface list in the same shape.
func (c *call) interfaces() (map[string]any, error) {
	if ip := c.whichPath("ip"); ip != "" {
		out, err := hostcmd.Output(c.ctx, c.env.stateEnv(), nil, ip, "addr", "show")
		if err != nil {
			return nil, err
		}
		return parseIPAddr(out), nil
	}
	list := c.env.Ifaces
	if list == nil {
		list = hostIfaces
	}
	ifs, err := list()
	if err != nil {
		return nil, err
	}
	out := map[string]any{}
	for _, in := range ifs {
		out[in.Name] = ifaceData(in)
	}
	return out, nil
}

// hostIfaces lists this host's interfaces through Go's net package.
func hostIfaces() ([]Iface, error) {
	list, err := net.Interfaces()
	if err != nil {
		return nil, err
	}
	out := make([]Iface, 0, len(list))
	for _, in := range list {
		it := Iface{Name: in.Name, HWAddr: in.HardwareAddr.String(), Up: in.Flags&net.FlagUp != 0, Broadcast: in.Flags&net.FlagBroadcast != 0}
		if it.HWAddr == "" && in.Flags&net.FlagLoopback != 0 {
			it.HWAddr = "00:00:00:00:00:00"
		}
		addrs, err := in.Addrs()
		if err == nil {
			for _, a := range addrs {
				if ipn, ok := a.(*net.IPNet); ok {
					it.Addrs = append(it.Addrs, ipn)
				}
			}
		}
		out = append(out, it)
	}
	return out, nil
}

// ifaceData shapes one interface the way _interfaces_ip does.
func ifaceData(in Iface) map[string]any {
	d := map[string]any{"up": in.Up}
	if in.HWAddr != "" {
		d["hwaddr"] = in.HWAddr
	}
	var inet, inet6 []any
	for _, a := range in.Addrs {
		ones, _ := a.Mask.Size()
		if ip4 := a.IP.To4(); ip4 != nil {
			var brd any
			if in.Broadcast && ones < 32 {
				b := make(net.IP, 4)
				m := net.IP(a.Mask).To4()
				if len(a.Mask) == 16 {
					m = net.IP(a.Mask[12:])
				}
				for i := range b {
					b[i] = ip4[i] | ^m[i]
				}
				brd = b.String()
			}
			inet = append(inet, map[string]any{"address": ip4.String(), "netmask": cidrToNetmask(ones), "broadcast": brd, "label": in.Name})
			continue
		}
		scope := "global"
		switch {
		case a.IP.IsLoopback():
			scope = "host"
		case a.IP.IsLinkLocalUnicast():
			scope = "link"
		}
		inet6 = append(inet6, map[string]any{"address": a.IP.String(), "prefixlen": strconv.Itoa(ones), "scope": scope})
	}
	if inet != nil {
		d["inet"] = inet
	}
	if inet6 != nil {
		d["inet6"] = inet6
	}
	return d
}

// cidrToNetmask is salt.utils.network.cidr_to_ipv4_netmask.
func cidrToNetmask(bits int) string {
	m := net.CIDRMask(bits, 32)
	return net.IP(m).String()
}

// parseIPAddr is salt.utils.network._interfaces_ip.
func parseIPAddr(out string) map[string]any {
	ret := map[string]any{}
	head := regexp.MustCompile(`^\d*:\s+([\w.\-]+)(?:@)?([\w.\-]+)?:\s+<(.+)>`)
	for _, group := range regexp.MustCompile("\r?\n\\d").Split(out, -1) {
		iface := ""
		data := map[string]any{}
		for _, line := range strings.Split(strings.ReplaceAll(group, "\r\n", "\n"), "\n") {
			if !strings.Contains(line, " ") {
				continue
			}
			if m := head.FindStringSubmatch(line); m != nil {
				iface = m[1]
				data["up"] = false
				for _, a := range strings.Split(m[3], ",") {
					if a == "UP" {
						data["up"] = true
					}
				}
				if m[2] != "" {
					data["parent"] = m[2]
				}
				continue
			}
			cols := strings.Fields(line)
			if len(cols) < 2 {
				continue
			}
			typ, value := cols[0], cols[1]
			label := cols[len(cols)-1]
			if typ != "inet" && typ != "inet6" {
				if strings.HasPrefix(typ, "link") {
					data["hwaddr"] = value
				}
				continue
			}
			ip, cidr, has := strings.Cut(value, "/")
			if !has {
				cidr = "32"
			}
			obj := map[string]any{"address": ip}
			if typ == "inet" {
				bits, _ := strconv.Atoi(cidr)
				obj["netmask"] = cidrToNetmask(bits)
				obj["broadcast"] = after(cols, "brd")
				obj["label"] = label
			} else {
				obj["prefixlen"] = cidr
				obj["scope"] = after(cols, "scope")
			}
			key := typ
			for _, col := range cols {
				if col == "secondary" {
					key = "secondary"
					obj["type"] = typ
				}
			}
			l, _ := data[key].([]any)
			data[key] = append(l, obj)
		}
		if iface != "" {
			ret[iface] = data
		}
	}
	return ret
}

// after returns the column after name, or nil.
func after(cols []string, name string) any {
	for i, c := range cols {
		if c == name && i+1 < len(cols) {
			return cols[i+1]
		}
	}
	return nil
}

// addrsOf lists the addresses of proto ("inet", "inet6") of the interfaces,
// secondary ones included (_get_ips).
func addrsOf(ifaces map[string]any, proto string) []map[string]any {
	var out []map[string]any
	for _, name := range slices.Sorted(maps.Keys(ifaces)) {
		d, _ := ifaces[name].(map[string]any)
		for _, key := range []string{proto, "secondary"} {
			l, _ := d[key].([]any)
			for _, e := range l {
				m, ok := e.(map[string]any)
				if !ok || key == "secondary" && m["type"] != proto {
					continue
				}
				out = append(out, m)
			}
		}
	}
	return out
}

// hostAddrs is _ip_addrs: the sorted unique addresses of proto of the
// interfaces matching the patterns (all when nil), loopback ones only when
// asked.
func (c *call) hostAddrs(proto string, patterns []string, loopback bool) ([]netip.Addr, error) {
	all, err := c.interfaces()
	if err != nil {
		return nil, err
	}
	ifaces := all
	if patterns != nil {
		ifaces = map[string]any{}
		for k, v := range all {
			for _, p := range patterns {
				if fnmatch.Match(p, k) {
					ifaces[k] = v
				}
			}
		}
	}
	set := map[netip.Addr]bool{}
	for _, m := range addrsOf(ifaces, proto) {
		a, err := parseAddr(pyStr(m["address"]))
		if err == nil && (!a.IsLoopback() || loopback) {
			set[a] = true
		}
	}
	addrs := make([]netip.Addr, 0, len(set))
	for a := range set {
		addrs = append(addrs, a)
	}
	sort.Slice(addrs, func(i, j int) bool { return addrs[i].Less(addrs[j]) })
	return addrs, nil
}

// ipAddrs is network.ip_addrs / ip_addrs6: cidr filters, else type
// ("public", "private") does.
func (c *call) ipAddrs(proto string) (any, error) {
	var pats []string
	if !c.isNone("interface") {
		pats = strList(c.a["interface"])
	}
	addrs, err := c.hostAddrs(proto, pats, c.truth("include_loopback"))
	if err != nil {
		return nil, err
	}
	var cidr *netip.Prefix
	if c.truth("cidr") {
		p, ok := parseCIDR(c.str("cidr"))
		if !ok {
			return []any{}, nil // in_subnet logs "Invalid CIDR" and answers False
		}
		cidr = &p
	}
	out := []any{}
	for _, a := range addrs {
		switch {
		case cidr != nil:
			if !cidr.Contains(a) {
				continue
			}
		case c.str("type") == "public" && isPrivate(a), c.str("type") == "private" && !isPrivate(a):
			continue
		}
		out = append(out, a.String())
	}
	return out, nil
}

// ifaceInfo is _get_iface_info: pick from one interface's data, or Salt's
// message (returned, not raised) for an unknown interface.
func (c *call) ifaceInfo(pick func(map[string]any) any) (any, error) {
	all, err := c.interfaces()
	if err != nil {
		return nil, err
	}
	name := c.str("iface")
	d, ok := all[name].(map[string]any)
	if !ok {
		return fmt.Sprintf(`Interface "%s" not in available interfaces: "%s"`, name, strings.Join(slices.Sorted(maps.Keys(all)), `", "`)), nil
	}
	return pick(d), nil
}

// subnets is _subnets: the networks of the addresses, loopback excluded.
func (c *call) subnets(proto string, which any) (any, error) {
	all, err := c.interfaces()
	if err != nil {
		return nil, err
	}
	ifaces := all
	switch t := which.(type) {
	case nil:
	case []any:
		ifaces = map[string]any{}
		for _, n := range t {
			if d, ok := all[pyStr(n)]; ok {
				ifaces[pyStr(n)] = d
			}
		}
	default:
		ifaces = map[string]any{}
		if d, ok := all[pyStr(t)]; ok {
			ifaces[pyStr(t)] = d
		}
	}
	set := map[netip.Prefix]bool{}
	for _, m := range addrsOf(ifaces, proto) {
		a, err := parseAddr(pyStr(m["address"]))
		if err != nil {
			continue
		}
		bits := a.BitLen()
		if proto == "inet" {
			if nm, ok := m["netmask"].(string); ok {
				if mask := net.ParseIP(nm).To4(); mask != nil {
					bits, _ = net.IPMask(mask).Size()
				}
			}
		} else if pl, ok := spec.ParseInt(m["prefixlen"]); ok {
			bits = pl
		}
		p, err := a.Prefix(bits)
		if err != nil || a.IsLoopback() {
			continue
		}
		set[p] = true
	}
	nets := make([]netip.Prefix, 0, len(set))
	for p := range set {
		nets = append(nets, p)
	}
	sort.Slice(nets, func(i, j int) bool {
		if nets[i].Addr() != nets[j].Addr() {
			return nets[i].Addr().Less(nets[j].Addr())
		}
		return nets[i].Bits() < nets[j].Bits()
	})
	out := []any{}
	for _, p := range nets {
		out = append(out, p.String())
	}
	return out, nil
}

// parseCIDR is ipaddress.ip_network (strict): ok is false for an invalid
// network.
func parseCIDR(s string) (netip.Prefix, bool) {
	if p, err := netip.ParsePrefix(s); err == nil {
		return p, p.Masked() == p
	}
	if a, err := netip.ParseAddr(s); err == nil {
		return netip.PrefixFrom(a, a.BitLen()), true
	}
	return netip.Prefix{}, false
}

// inSubnet is salt.utils.network.in_subnet; addrs nil means the host's
// (loopback excluded, as ip_addrs does).
func (c *call) inSubnet(cidr string, addrs []string) (any, error) {
	p, ok := parseCIDR(cidr)
	if !ok {
		return false, nil // Salt logs "Invalid CIDR" and answers False
	}
	var list []netip.Addr
	if addrs == nil {
		for _, proto := range []string{"inet", "inet6"} {
			l, err := c.hostAddrs(proto, nil, false)
			if err != nil {
				return nil, err
			}
			list = append(list, l...)
		}
	}
	for _, s := range addrs {
		a, err := parseAddr(s)
		if err != nil {
			return nil, err
		}
		list = append(list, a)
	}
	for _, a := range list {
		if p.Contains(a) {
			return true, nil
		}
	}
	return false, nil
}

// parseAddr is ipaddress.ip_address with Python's error.
func parseAddr(s string) (netip.Addr, error) {
	a, err := netip.ParseAddr(s)
	if err != nil {
		return a, funcs.Raise("ValueError", "'%s' does not appear to be an IPv4 or IPv6 address", s)
	}
	return a.Unmap(), nil
}

// calcNet is network.calc_net: the network of an address (ipaddress.ip_network
// with strict=False).
func calcNet(ip string, netmask any) (any, error) {
	if netmask != nil {
		ip = ip + "/" + pyStr(netmask)
	}
	addr, bits, has := strings.Cut(ip, "/")
	a, err := parseAddr(addr)
	if err != nil {
		return nil, err
	}
	n := a.BitLen()
	if has {
		if m := net.ParseIP(bits).To4(); m != nil && a.Is4() {
			n, _ = net.IPMask(m).Size()
		} else if n, err = strconv.Atoi(bits); err != nil || n < 0 || n > a.BitLen() {
			return nil, funcs.Raise("ValueError", "'%s' does not appear to be an IPv4 or IPv6 network", ip)
		}
	}
	p, err := a.Prefix(n)
	if err != nil {
		return nil, err
	}
	return p.String(), nil
}

func convertCIDR(c *call) (any, error) {
	s, err := calcNet(c.str("cidr"), nil)
	if err != nil {
		return nil, err
	}
	p := netip.MustParsePrefix(s.(string))
	ip := net.IP(p.Addr().AsSlice())
	mask := net.CIDRMask(p.Bits(), p.Addr().BitLen())
	brd := make(net.IP, len(ip))
	for i := range ip {
		brd[i] = ip[i] | ^mask[i]
	}
	return map[string]any{"network": p.Addr().String(), "netmask": net.IP(mask).String(), "broadcast": brd.String()}, nil
}

// isPrivate is Python's ipaddress is_private (3.10's tables).
func isPrivate(a netip.Addr) bool {
	nets := []string{"0.0.0.0/8", "10.0.0.0/8", "127.0.0.0/8", "169.254.0.0/16", "172.16.0.0/12",
		"192.0.0.0/29", "192.0.0.170/31", "192.0.2.0/24", "192.168.0.0/16", "198.18.0.0/15",
		"198.51.100.0/24", "203.0.113.0/24", "240.0.0.0/4", "255.255.255.255/32",
		"::1/128", "::/128", "::ffff:0:0/96", "100::/64", "2001::/23", "2001:2::/48",
		"2001:db8::/32", "2001:10::/28", "fc00::/7", "fe80::/10"}
	for _, n := range nets {
		if netip.MustParsePrefix(n).Contains(a) {
			return true
		}
	}
	return false
}
