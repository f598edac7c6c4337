package modules

import (
	"fmt"
	"os"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"time"

	"brine/provision/lib/fnmatch"
	"brine/provision/wire/funcs"
)

// statusFuncs are salt/modules/status.py's Linux readers (/proc, ps, w).
func statusFuncs() map[string]fn {
	return map[string]fn{
		"status.uptime":  {run: func(c *call) (any, error) { return c.uptime() }},
		"status.loadavg": {run: func(c *call) (any, error) { return c.loadavg() }},
		"status.meminfo": {run: func(c *call) (any, error) { return c.meminfo(), nil }},
		"status.cpuinfo": {run: func(c *call) (any, error) { return c.cpuinfo(), nil }},
		"status.cpustats": {run: func(c *call) (any, error) {
			return c.cpustats(), nil
		}},
		"status.diskusage": {run: func(c *call) (any, error) { return c.diskusage(c.rest), nil }},
		"status.diskstats": {run: func(c *call) (any, error) { return c.diskstats(), nil }},
		"status.vmstats":   {run: func(c *call) (any, error) { return c.vmstats(), nil }},
		"status.netstats":  {run: func(c *call) (any, error) { return c.netstats(), nil }},
		"status.netdev":    {run: func(c *call) (any, error) { return c.netdev(), nil }},
		"status.procs":     {run: statusProcs},
		"status.w":         {run: func(c *call) (any, error) { return c.whoList() }},
		"status.pid": {run: func(c *call) (any, error) {
			re, err := regexp.Compile(c.str("sig"))
			if err != nil {
				return nil, err
			}
			out, err := c.salt("cmd.run_stdout", []any{c.psCmd()}, map[string]any{"python_shell": true})
			if err != nil {
				return nil, err
			}
			self := strconv.Itoa(os.Getpid())
			var pids []string
			for _, l := range strings.Split(pyStr(out), "\n") {
				if strings.Contains(l, self) || !re.MatchString(l) {
					continue
				}
				if f := strings.Fields(l); len(f) > 1 {
					pids = append(pids, f[1])
				}
			}
			return strings.Join(pids, "\n"), nil
		}},
		"status.all_status": {run: func(c *call) (any, error) {
			up, err := c.uptime()
			if err != nil {
				return nil, err
			}
			load, err := c.loadavg()
			if err != nil {
				return nil, err
			}
			w, err := c.whoList()
			if err != nil {
				return nil, err
			}
			return map[string]any{"cpuinfo": c.cpuinfo(), "cpustats": c.cpustats(), "diskstats": c.diskstats(),
				"diskusage": c.diskusage(nil), "loadavg": load, "meminfo": c.meminfo(), "netdev": c.netdev(),
				"netstats": c.netstats(), "uptime": up, "vmstats": c.vmstats(), "w": w}, nil
		}},
	}
}

// pyNumber is status._number: an int, a float, or the text.
func pyNumber(s string) any {
	if s != "" && strings.Trim(s, "0123456789") == "" {
		n, err := strconv.Atoi(s)
		if err == nil {
			return n
		}
	}
	if f, err := strconv.ParseFloat(s, 64); err == nil {
		return f
	}
	return s
}

// procLines reads a /proc file's non-empty lines (nil when unreadable).
func (c *call) procLines(p string) []string {
	b, ok := c.readText(p)
	if !ok {
		return nil
	}
	var out []string
	for _, l := range strings.Split(string(b), "\n") {
		if l != "" {
			out = append(out, l)
		}
	}
	return out
}

func (c *call) uptime() (any, error) {
	lines := c.procLines("/proc/uptime")
	if lines == nil {
		return nil, funcs.Raise("CommandExecutionError", "File /proc/uptime was not found.")
	}
	f, _ := strconv.ParseFloat(strings.Fields(lines[0])[0], 64)
	seconds := int(f)
	now := time.Now()
	boot := now.Add(-time.Duration(seconds) * time.Second).UTC()
	up := time.Duration(seconds) * time.Second
	days := int(up.Hours()) / 24
	rest := int(up.Seconds()) - days*86400
	ret := map[string]any{
		"seconds": seconds, "since_iso": pyISO(boot), "since_t": int(now.Unix()) - seconds,
		"days": days, "time": fmt.Sprintf("%d:%d", rest/3600, rest%3600/60),
	}
	if c.whichPath("who") != "" {
		out, err := c.cmdRun("who -s", nil)
		if err != nil {
			return nil, err
		}
		ret["users"] = len(strings.Split(out, "\n"))
	}
	return ret, nil
}

// pyISO is datetime.isoformat (microseconds when not zero).
func pyISO(t time.Time) string {
	if t.Nanosecond()/1000 == 0 {
		return t.Format("2006-01-02T15:04:05")
	}
	return t.Format("2006-01-02T15:04:05.000000")
}

func (c *call) loadavg() (any, error) {
	lines := c.procLines("/proc/loadavg")
	if lines == nil {
		return nil, funcs.Raise("CommandExecutionError", "status.loadavag is not available on your platform")
	}
	f := strings.Fields(lines[0])
	v := func(i int) float64 { x, _ := strconv.ParseFloat(f[i], 64); return x }
	return map[string]any{"1-min": v(0), "5-min": v(1), "15-min": v(2)}, nil
}

func (c *call) meminfo() map[string]any {
	ret := map[string]any{}
	for _, l := range c.procLines("/proc/meminfo") {
		f := strings.Fields(l)
		if len(f) < 2 {
			continue
		}
		e := map[string]any{"value": f[1]}
		if len(f) > 2 {
			e["unit"] = f[2]
		}
		ret[strings.ReplaceAll(f[0], ":", "")] = e
	}
	return ret
}

func (c *call) cpuinfo() map[string]any {
	ret := map[string]any{}
	for _, l := range c.procLines("/proc/cpuinfo") {
		k, v, ok := strings.Cut(l, ":")
		if !ok {
			continue
		}
		k = strings.TrimSpace(k)
		if k == "flags" {
			ret[k] = anyList(strings.Fields(v))
		} else {
			ret[k] = strings.TrimSpace(v)
		}
	}
	return ret
}

func (c *call) cpustats() map[string]any {
	ret := map[string]any{}
	for _, l := range c.procLines("/proc/stat") {
		f := strings.Fields(l)
		if len(f) < 2 {
			continue
		}
		nums := func(xs []string) []any {
			out := make([]any, len(xs))
			for i, x := range xs {
				out[i] = pyNumber(x)
			}
			return out
		}
		switch f[0] {
		case "cpu":
			if len(f) >= 9 {
				ret["cpu"] = map[string]any{"idle": pyNumber(f[4]), "iowait": pyNumber(f[5]), "irq": pyNumber(f[6]), "nice": pyNumber(f[2]),
					"softirq": pyNumber(f[7]), "steal": pyNumber(f[8]), "system": pyNumber(f[3]), "user": pyNumber(f[1])}
			}
		case "intr":
			ret["intr"] = map[string]any{"total": pyNumber(f[1]), "irqs": nums(f[2:])}
		case "softirq":
			ret["softirq"] = map[string]any{"total": pyNumber(f[1]), "softirqs": nums(f[2:])}
		default:
			ret[f[0]] = pyNumber(f[1])
		}
	}
	return ret
}

// diskusage is status.diskusage: available and total bytes of the mount
// points given, and of those whose fstype matches the globs given (all
// without arguments).
func (c *call) diskusage(args []any) map[string]any {
	selected := map[string]bool{}
	var types []string
	if len(args) == 0 {
		types = []string{"*"}
	}
	for _, a := range args {
		s := pyStr(a)
		if strings.HasPrefix(s, "/") {
			selected[s] = true
		} else {
			types = append(types, s)
		}
	}
	if len(types) > 0 {
		for _, l := range c.procLines("/proc/mounts") {
			f := strings.Fields(l)
			if len(f) < 3 {
				continue
			}
			for _, t := range types {
				if fnmatch.Match(t, f[2]) {
					selected[f[1]] = true
				}
			}
		}
	}
	ret := map[string]any{}
	for p := range selected {
		var st syscall.Statfs_t
		if err := syscall.Statfs(c.host(p), &st); err != nil {
			continue
		}
		ret[p] = map[string]any{"available": int(st.Bavail) * int(st.Bsize), "total": int(st.Blocks) * int(st.Bsize)}
	}
	return ret
}

func (c *call) diskstats() map[string]any {
	ret := map[string]any{}
	names := []string{"major", "minor", "device", "reads_issued", "reads_merged", "sectors_read", "ms_spent_reading", "writes_completed",
		"writes_merged", "sectors_written", "ms_spent_writing", "io_in_progress", "ms_spent_in_io", "weighted_ms_spent_in_io"}
	for _, l := range c.procLines("/proc/diskstats") {
		f := strings.Fields(l)
		if len(f) < len(names) {
			continue
		}
		e := map[string]any{}
		for i, n := range names {
			e[n] = pyNumber(f[i])
		}
		ret[f[2]] = e
	}
	return ret
}

func (c *call) vmstats() map[string]any {
	ret := map[string]any{}
	for _, l := range c.procLines("/proc/vmstat") {
		if f := strings.Fields(l); len(f) >= 2 {
			ret[f[0]] = pyNumber(f[1])
		}
	}
	return ret
}

func (c *call) netstats() map[string]any {
	ret := map[string]any{}
	headers := []string{""}
	for _, l := range c.procLines("/proc/net/netstat") {
		f := strings.Fields(l)
		if f[0] != headers[0] {
			headers = f
			continue
		}
		row := map[string]any{}
		// status.py stops one field short of the header's length
		for i := 1; i < len(headers)-1 && i < len(f); i++ {
			row[headers[i]] = pyNumber(f[i])
		}
		ret[strings.ReplaceAll(headers[0], ":", "")] = row
	}
	return ret
}

func (c *call) netdev() map[string]any {
	ret := map[string]any{}
	names := []string{"rx_bytes", "rx_packets", "rx_errs", "rx_drop", "rx_fifo", "rx_frame", "rx_compressed", "rx_multicast",
		"tx_bytes", "tx_packets", "tx_errs", "tx_drop", "tx_fifo", "tx_colls", "tx_carrier", "tx_compressed"}
	for _, l := range c.procLines("/proc/net/dev") {
		iface, rest, ok := strings.Cut(l, ":")
		if !ok {
			continue
		}
		f := strings.Fields(rest)
		if len(f) < len(names) {
			continue
		}
		e := map[string]any{"iface": strings.TrimSpace(iface)}
		for i, n := range names {
			e[n] = pyNumber(f[i])
		}
		ret[strings.TrimSpace(iface)] = e
	}
	return ret
}

// psCmd is the ps grain's command.
func (c *call) psCmd() string {
	if s, ok := c.env.Grains["ps"].(string); ok && s != "" {
		return s
	}
	return "ps -efHww"
}

func statusProcs(c *call) (any, error) {
	out, err := c.cmdRun(c.psCmd(), map[string]any{"python_shell": true})
	if err != nil {
		return nil, err
	}
	lines := strings.Split(out, "\n")
	ret := map[string]any{}
	if len(lines) == 0 {
		return ret, nil
	}
	guide := strings.Fields(lines[0])
	idx := func(names ...string) int {
		for _, n := range names {
			if i := slicesIndex(guide, n); i >= 0 {
				return i
			}
		}
		return 0
	}
	u, p, cm := idx("USER", "UID"), idx("PID"), idx("COMMAND", "CMD")
	for _, l := range lines[1:] {
		f := strings.Fields(l)
		if len(f) <= max(u, p, cm) {
			continue
		}
		ret[f[p]] = map[string]any{"user": f[u], "cmd": strings.Join(f[cm:], " ")}
	}
	return ret, nil
}

func (c *call) whoList() (any, error) {
	out, err := c.cmdRun("w -fh", nil)
	if err != nil {
		return nil, err
	}
	list := []any{}
	for _, l := range strings.Split(out, "\n") {
		f := strings.Fields(l)
		if len(f) < 6 {
			continue
		}
		list = append(list, map[string]any{"idle": f[3], "jcpu": f[4], "login": f[2], "pcpu": f[5], "tty": f[1], "user": f[0],
			"what": strings.Join(f[6:], " ")})
	}
	return list, nil
}
