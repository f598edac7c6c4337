package modules

import (
	"encoding/hex"
	"fmt"
	"net"
	"net/netip"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"time"

	"brine/provision/wire/funcs"
)

// networkMoreFuncs are salt/modules/network.py's commands and tables:
// ping, netstat, active_tcp, connect, dig, routes, default_route,
// traceroute (through the host's own ping, ss/netstat, ip, dig,
// traceroute, as Salt runs them).
func networkMoreFuncs() map[string]fn {
	return map[string]fn{
		"network.ping": {run: func(c *call) (any, error) {
			host := sanitizeHost(c.str("host"))
			line := "ping -c 4 " + host
			if c.truth("timeout") {
				line = fmt.Sprintf("ping -W %s -c 4 %s", c.str("timeout"), host)
			}
			if c.truth("return_boolean") {
				v, err := c.salt("cmd.run_all", []any{line}, nil)
				if err != nil {
					return nil, err
				}
				return v.(map[string]any)["retcode"] == 0, nil
			}
			return c.cmdRun(line, nil)
		}},
		"network.netstat":    {run: netstat},
		"network.active_tcp": {run: activeTCP},
		"network.connect":    {run: networkConnect},
		"network.dig": {run: func(c *call) (any, error) {
			if c.whichPath("dig") == "" {
				return nil, funcs.Raise("CommandNotFoundError", "The 'dig' binary was not found in $PATH.")
			}
			return c.cmdRun("dig "+sanitizeHost(c.str("host")), nil)
		}},
		"network.routes": {run: func(c *call) (any, error) {
			fam := c.a["family"]
			if fam != nil && fam != "inet" && fam != "inet6" {
				return nil, funcs.Raise("CommandExecutionError", "Invalid address family %s", pyStr(fam))
			}
			rs, err := c.ipRoutes()
			if err != nil {
				return nil, err
			}
			out := []any{}
			for _, r := range rs {
				if fam == nil || r["addr_family"] == fam {
					out = append(out, r)
				}
			}
			return out, nil
		}},
		"network.default_route": {run: func(c *call) (any, error) {
			fam := c.a["family"]
			if fam != nil && fam != "inet" && fam != "inet6" {
				return nil, funcs.Raise("CommandExecutionError", "Invalid address family %s", pyStr(fam))
			}
			rs, err := c.ipRoutes()
			if err != nil {
				return nil, err
			}
			out := []any{}
			for _, r := range rs {
				d := r["destination"]
				isDef := d == "0.0.0.0" || d == "default" || d == "::/0"
				if isDef && (fam == nil || r["addr_family"] == fam) {
					out = append(out, r)
				}
			}
			return out, nil
		}},
		"network.traceroute": {run: traceroute},
	}
}

// sanitizeHost is salt.utils.network.sanitize_host.
func sanitizeHost(h string) string {
	if len(h) > 255 {
		h = h[:255]
	}
	var b strings.Builder
	for _, r := range h {
		if r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '.' || r == '-' || r == '_' {
			b.WriteRune(r)
		}
	}
	return b.String()
}

// netstat is network.netstat: ss -tulpnea (netstat -tulpnea when the host
// has netstat) parsed as Salt parses it.
func netstat(c *call) (any, error) {
	useSS := c.whichPath("netstat") == ""
	line := "netstat -tulpnea"
	if useSS {
		line = "ss -tulpnea"
	}
	out, err := c.cmdRun(line, nil)
	if err != nil {
		return nil, err
	}
	ret := []any{}
	for _, l := range strings.Split(out, "\n") {
		f := strings.Fields(l)
		tcp, udp := strings.HasPrefix(l, "tcp"), strings.HasPrefix(l, "udp")
		if !tcp && !udp {
			continue
		}
		if !useSS {
			if tcp && len(f) >= 9 {
				ret = append(ret, map[string]any{"proto": f[0], "recv-q": f[1], "send-q": f[2], "local-address": f[3],
					"remote-address": f[4], "state": f[5], "user": f[6], "inode": f[7], "program": f[8]})
			} else if udp && len(f) >= 8 {
				ret = append(ret, map[string]any{"proto": f[0], "recv-q": f[1], "send-q": f[2], "local-address": f[3],
					"remote-address": f[4], "user": f[5], "inode": f[6], "program": f[7]})
			}
			continue
		}
		if len(f) < 6 {
			continue
		}
		var user, inode any = 0, 0
		program := ""
		for i := 6; i < len(f)-1; i++ {
			k, v, _ := strings.Cut(f[i], ":")
			switch k {
			case "users":
				if parts := strings.Split(strings.SplitN(v, ",", 2)[0], `"`); len(parts) > 1 {
					program = parts[1]
				}
			case "uid":
				user = v
			case "ino":
				inode = v
			}
		}
		e := map[string]any{"proto": f[0], "recv-q": f[2], "send-q": f[3], "local-address": f[4], "remote-address": f[5],
			"user": user, "inode": inode, "program": program}
		if tcp {
			st := f[1]
			if st == "ESTAB" {
				st = "ESTABLISHED"
			}
			e["state"] = st
		}
		ret = append(ret, e)
	}
	return ret, nil
}

// hex2ip is salt.utils.network.hex2ip with invert: /proc/net/tcp's
// little-endian address words.
func hex2ip(h string) string {
	b, err := hex.DecodeString(h)
	if err != nil {
		return h
	}
	if len(b) == 4 {
		return net.IPv4(b[3], b[2], b[1], b[0]).String()
	}
	if len(b) == 16 {
		ip := make(net.IP, 16)
		for w := 0; w < 4; w++ {
			for i := 0; i < 4; i++ {
				ip[w*4+i] = b[w*4+3-i]
			}
		}
		return ip.String()
	}
	return h
}

// activeTCP is network.active_tcp: the established connections of
// /proc/net/tcp and tcp6, numbered from 0.
func activeTCP(c *call) (any, error) {
	ret := map[string]any{}
	for _, f := range []string{"/proc/net/tcp", "/proc/net/tcp6"} {
		b, ok := c.readText(f)
		if !ok {
			continue
		}
		for _, l := range strings.Split(string(b), "\n") {
			fs := strings.Fields(l)
			if len(fs) < 4 || fs[0] == "sl" {
				continue
			}
			if st, _ := strconv.ParseInt(fs[3], 16, 32); st != 1 {
				continue
			}
			la, lp, _ := strings.Cut(fs[1], ":")
			ra, rp, _ := strings.Cut(fs[2], ":")
			lpn, _ := strconv.ParseInt(lp, 16, 32)
			rpn, _ := strconv.ParseInt(rp, 16, 32)
			ret[strconv.Itoa(len(ret))] = map[string]any{"local_addr": hex2ip(la), "local_port": int(lpn), "remote_addr": hex2ip(ra), "remote_port": int(rpn)}
		}
	}
	return ret, nil
}

// networkConnect is network.connect: a TCP (or UDP) connection to host and
// port within timeout (5 s).
func networkConnect(c *call) (any, error) {
	host, port := c.str("host"), c.str("port")
	if host == "" {
		return map[string]any{"result": false, "comment": "Required argument, host, is missing."}, nil
	}
	if !c.truth("port") {
		return map[string]any{"result": false, "comment": "Required argument, port, is missing."}, nil
	}
	proto := pyStrOr(c.kw["proto"], "tcp")
	if proto != "udp" {
		proto = "tcp"
	}
	timeout := 5 * time.Second
	if v, ok := c.kw["timeout"]; ok {
		if n, err := pyInt(v); err == nil {
			timeout = time.Duration(n) * time.Second
		}
	}
	addr := host
	if _, err := netip.ParseAddr(host); err != nil {
		addr = sanitizeHost(host)
	}
	family := pyStrOr(c.kw["family"], "")
	ip, ok := c.getaddrinfo(addr, family)
	if !ok {
		return map[string]any{"result": false, "comment": fmt.Sprintf("Unable to resolve host %s on %s port %s", host, proto, port)}, nil
	}
	if err := dialTimeout(ip, port, proto == "udp", timeout); err != nil {
		return map[string]any{"result": false, "comment": fmt.Sprintf("Unable to connect to %s (%s) on %s port %s", host, ip, proto, port)}, nil
	}
	return map[string]any{"result": true, "comment": fmt.Sprintf("Successfully connected to %s (%s) on %s port %s", host, ip, proto, port)}, nil
}

// getaddrinfo is socket.getaddrinfo's first address for host: an address
// as it is, a name through the C library's resolver (getent ahosts), as
// Python's is. (Go's resolver and dialer are not linked into the
// executor.)
func (c *call) getaddrinfo(host, family string) (netip.Addr, bool) {
	if a, err := netip.ParseAddr(host); err == nil {
		return a, true
	}
	db := "ahosts"
	switch family {
	case "ipv4":
		db = "ahostsv4"
	case "ipv6":
		db = "ahostsv6"
	}
	r := c.command(nil, "", true, "getent", db, host)
	for _, l := range strings.Split(r.Stdout, "\n") {
		if f := strings.Fields(l); len(f) > 0 {
			if a, err := netip.ParseAddr(f[0]); err == nil {
				return a, true
			}
		}
	}
	return netip.Addr{}, false
}

// dialTimeout connects a socket to ip:port within timeout (a UDP
// "connection" only sets the peer, as Python's connect does).
func dialTimeout(ip netip.Addr, port string, udp bool, timeout time.Duration) error {
	p, err := strconv.Atoi(port)
	if err != nil || p < 0 || p > 65535 {
		return fmt.Errorf("bad port %q", port)
	}
	typ := syscall.SOCK_STREAM
	if udp {
		typ = syscall.SOCK_DGRAM
	}
	var sa syscall.Sockaddr
	fam := syscall.AF_INET
	if ip.Is4() || ip.Is4In6() {
		sa = &syscall.SockaddrInet4{Port: p, Addr: ip.Unmap().As4()}
	} else {
		fam = syscall.AF_INET6
		sa = &syscall.SockaddrInet6{Port: p, Addr: ip.As16()}
	}
	fd, err := syscall.Socket(fam, typ|syscall.SOCK_NONBLOCK|syscall.SOCK_CLOEXEC, 0)
	if err != nil {
		return err
	}
	defer syscall.Close(fd)
	if fd >= 1024 {
		return fmt.Errorf("descriptor %d too high for select", fd)
	}
	err = syscall.Connect(fd, sa)
	if err == nil {
		return nil
	}
	if err != syscall.EINPROGRESS {
		return err
	}
	deadline := time.Now().Add(timeout)
	for {
		left := time.Until(deadline)
		if left <= 0 {
			return syscall.ETIMEDOUT
		}
		var w syscall.FdSet
		w.Bits[fd/64] |= 1 << (uint(fd) % 64)
		tv := syscall.NsecToTimeval(left.Nanoseconds())
		n, err := syscall.Select(fd+1, nil, &w, nil, &tv)
		if err == syscall.EINTR {
			continue
		}
		if err != nil {
			return err
		}
		if n == 0 {
			return syscall.ETIMEDOUT
		}
		v, err := syscall.GetsockoptInt(fd, syscall.SOL_SOCKET, syscall.SO_ERROR)
		if err != nil {
			return err
		}
		if v != 0 {
			return syscall.Errno(v)
		}
		return nil
	}
}

// ipRoutes is network._ip_route_linux.
func (c *call) ipRoutes() ([]map[string]any, error) {
	var ret []map[string]any
	out, err := c.salt("cmd.run", []any{"ip -4 route show table main"}, map[string]any{"python_shell": true})
	if err != nil {
		return nil, err
	}
	for _, l := range strings.Split(pyStr(out), "\n") {
		f := strings.Fields(l)
		if len(f) == 0 || f[0] == "unreachable" {
			continue
		}
		if f[0] == "default" {
			iface := ""
			if len(f) > 4 && f[3] == "dev" {
				iface = f[4]
			}
			ret = append(ret, map[string]any{"addr_family": "inet", "destination": "0.0.0.0", "gateway": f[2], "netmask": "0.0.0.0", "flags": "UG", "interface": iface})
			continue
		}
		n, err := convertCIDRMap(f[0])
		if err != nil {
			// ipaddress.ip_network's error, raised (a line such as the
			// shell's "ip: command not found" is parsed as Salt does)
			return nil, funcs.Raise("ValueError", "'%s' does not appear to be an IPv4 or IPv6 network", f[0])
		}
		iface := ""
		if len(f) > 2 && f[1] == "dev" {
			iface = f[2]
		}
		ret = append(ret, map[string]any{"addr_family": "inet", "destination": n["network"], "gateway": "0.0.0.0", "netmask": n["netmask"], "flags": "U", "interface": iface})
	}
	out, err = c.salt("cmd.run", []any{"ip -6 route show table all"}, map[string]any{"python_shell": true})
	if err != nil {
		return nil, err
	}
	for _, l := range strings.Split(pyStr(out), "\n") {
		f := strings.Fields(l)
		if len(f) == 0 {
			continue
		}
		switch f[0] {
		case "unicast", "broadcast", "throw", "unreachable", "prohibit", "blackhole", "nat", "anycast", "multicast":
			continue
		case "default":
			iface := ""
			if len(f) > 4 && f[3] == "dev" {
				iface = f[4]
			}
			ret = append(ret, map[string]any{"addr_family": "inet6", "destination": "::/0", "gateway": f[2], "netmask": "", "flags": "UG", "interface": iface})
		case "local":
			iface := ""
			if len(f) > 3 && f[2] == "dev" {
				iface = f[3]
			}
			ret = append(ret, map[string]any{"addr_family": "inet6", "destination": f[1] + "/128", "gateway": "::", "netmask": "", "flags": "U", "interface": iface})
		default:
			iface := ""
			if len(f) > 2 && f[1] == "dev" {
				iface = f[2]
			}
			if !strings.Contains(f[0], "/") {
				f[0] += "/128"
			}
			ret = append(ret, map[string]any{"addr_family": "inet6", "destination": f[0], "gateway": "::", "netmask": "", "flags": "U", "interface": iface})
		}
	}
	return ret, nil
}

// convertCIDRMap is network.convert_cidr's answer for a CIDR.
func convertCIDRMap(cidr string) (map[string]any, error) {
	_, n, err := net.ParseCIDR(cidr)
	if err != nil {
		ip := net.ParseIP(cidr)
		if ip == nil {
			return map[string]any{"network": cidr, "netmask": ""}, err
		}
		bits := 32
		if ip.To4() == nil {
			bits = 128
		}
		_, n, _ = net.ParseCIDR(fmt.Sprintf("%s/%d", cidr, bits))
	}
	return map[string]any{"network": n.IP.String(), "netmask": net.IP(n.Mask).String()}, nil
}

// traceroute is network.traceroute for Linux's traceroute 2.x output.
func traceroute(c *call) (any, error) {
	if c.whichPath("traceroute") == "" {
		return nil, funcs.Raise("CommandNotFoundError", "The 'traceroute' binary was not found in $PATH.")
	}
	out, err := c.cmdRun("traceroute "+sanitizeHost(c.str("host")), nil)
	if err != nil {
		return nil, err
	}
	ver, _ := c.cmdRun("traceroute --version", nil)
	modern := regexp.MustCompile(`[Vv]ersion (\d+)\.(\d+)`).FindStringSubmatch(ver)
	ret := []any{}
	for _, l := range strings.Split(out, "\n") {
		if !strings.Contains(l, " ") || strings.HasPrefix(l, "traceroute") {
			continue
		}
		var r map[string]any
		if modern != nil && modern[1] >= "2" {
			comps := strings.Split(l, "  ")
			switch {
			case len(comps) >= 2 && comps[1] == "* * *":
				n, _ := strconv.Atoi(strings.TrimSpace(comps[0]))
				r = map[string]any{"count": n, "hostname": "*"}
			case len(comps) >= 5:
				n, _ := strconv.Atoi(strings.TrimSpace(comps[0]))
				hp := strings.Fields(comps[1])
				ms := func(s string) any {
					f, _ := strconv.ParseFloat(strings.Fields(s)[0], 64)
					return f
				}
				if len(hp) >= 2 {
					r = map[string]any{"count": n, "hostname": hp[0], "ip": strings.Trim(hp[1], "()"), "ms1": ms(comps[2]), "ms2": ms(comps[3]), "ms3": ms(comps[4])}
				}
			}
		}
		if r == nil {
			r = map[string]any{}
		}
		ret = append(ret, r)
	}
	return ret, nil
}
