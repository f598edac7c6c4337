package run

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/user"
	"strconv"
	"strings"
	"time"

	"brine/inventory/match"
	"brine/inventory/roster"
	"brine/inventory/target"
	"brine/provision/controller/dispatch"
	"brine/provision/controller/executorbin"
	"brine/provision/controller/result"
)

// rosterDefaults is brine.yaml's roster_defaults less the settings the
// options give (the command line, the Saltfile or brine.yaml's own keys):
// those win over roster_defaults, while a roster host's own keys still win
// over both (salt-ssh's rule for the roster).
func (o *Options) rosterDefaults(d map[string]any) map[string]any {
	if len(d) == 0 {
		return d
	}
	given := map[string]bool{
		"user": o.User != "", "passwd": o.Password != "", "priv": len(o.Keys) > 0, "priv_passwd": o.Passphrase != "",
		"sudo": o.Sudo, "sudo_user": o.SudoUser != "",
	}
	out := make(map[string]any, len(d))
	for k, v := range d {
		if !given[k] {
			out[k] = v
		}
	}
	return out
}

// isAdhocTarget reports whether a glob target names one host by name or
// address ([user@]host[:port]) rather than roster ids.
func isAdhocTarget(tgt string) bool {
	return tgt != "" && !strings.ContainsAny(tgt, "*?[], \t")
}

// adhocHost is salt-ssh's target outside the roster: a glob TARGET that is
// no roster id but a host name that resolves, or an address,
// ([user@]host[:port]) is run as a host of its own, with the roster's
// defaults (salt-ssh's _update_targets). With UpdateRoster it is added to
// the flat roster file, as salt-ssh adds it. ok is false when the target
// is not such a host.
func (o *Options) adhocHost(ctx context.Context, r *roster.Roster, defaults map[string]any) (*roster.Host, bool, error) {
	if o.TargetKind != target.Glob || !isAdhocTarget(o.Target) || o.Roster != "flat" && o.Roster != "" {
		return nil, false, nil
	}
	if _, ok := r.Get(o.Target); ok {
		return nil, false, nil
	}
	userName, hostPort, hasUser := strings.Cut(o.Target, "@")
	if !hasUser {
		userName, hostPort = "", o.Target
	}
	host, port := hostPort, 0
	if h, p, err := net.SplitHostPort(hostPort); err == nil {
		n, err := strconv.Atoi(p)
		if err != nil || n < 1 || n > 65535 {
			return nil, false, nil
		}
		host, port = h, n
	}
	if net.ParseIP(host) == nil {
		lctx, cancel := context.WithTimeout(ctx, 3*time.Second)
		defer cancel()
		if addrs, err := net.DefaultResolver.LookupHost(lctx, host); err != nil || len(addrs) == 0 {
			return nil, false, nil
		}
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%s:\n  host: %s\n", yamlString(host), yamlString(host))
	if port != 0 {
		fmt.Fprintf(&b, "  port: %d\n", port)
	}
	if userName != "" {
		fmt.Fprintf(&b, "  user: %s\n", yamlString(userName))
	}
	one, err := roster.Parse("(the command line)", []byte(b.String()), defaults)
	if err != nil || len(one.Hosts) != 1 {
		return nil, false, Usagef("target %q: %v", o.Target, err)
	}
	h := one.Hosts[0]
	if o.UpdateRoster {
		if err := o.addToRoster(host, userName, port); err != nil {
			fmt.Fprintf(o.Log, "brine: error: --update-roster: %v\n", err)
		} else {
			fmt.Fprintf(o.Log, "brine: info: the host %s has been added to the roster %s\n", host, o.RosterFile)
		}
	}
	return h, true, nil
}

// addToRoster appends a host to the flat roster file as salt-ssh's
// --update-roster does (a comment saying who added it when, then the
// entry); the password is never written to the file.
func (o *Options) addToRoster(host, userName string, port int) error {
	if userName == "" {
		userName = o.User
	}
	if userName == "" {
		userName = "root"
	}
	who := os.Getenv("USER")
	if u, err := user.Current(); err == nil {
		who = u.Username
	}
	var b strings.Builder
	fmt.Fprintf(&b, "# Automatically added by %q at %s\n%s:\n    host: %s\n    user: %s\n", who, time.Now().UTC().Format("2006-01-02T15:04:05.000000"),
		yamlString(host), yamlString(host), yamlString(userName))
	if port != 0 {
		fmt.Fprintf(&b, "    port: %d\n", port)
	}
	f, err := os.OpenFile(o.RosterFile, os.O_WRONLY|os.O_APPEND, 0)
	if err != nil {
		return fmt.Errorf("unable to update roster %s: %w", o.RosterFile, err)
	}
	_, err = f.WriteString(b.String())
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return err
}

// yamlString quotes s for a YAML value when it needs it.
func yamlString(s string) string {
	if s == "" || strings.ContainsAny(s, ":#{}[],&*!|>'\"%@`") || strings.TrimSpace(s) != s {
		return strconv.Quote(s)
	}
	return s
}

// limitHosts keeps the hosts an Ansible --limit pattern matches: items
// separated by commas (or colons) are globs over host ids or group
// (nodegroup) names; an item starting with ! excludes what it matches and
// one starting with & must match too.
func (o *Options) limitHosts(ids []string, groups match.Nodegroups) (func(id string) bool, error) {
	if o.Limit == "" {
		return func(string) bool { return true }, nil
	}
	var union, and, not []func(string) bool
	for _, item := range strings.FieldsFunc(o.Limit, func(r rune) bool { return r == ',' || r == ':' }) {
		item = strings.TrimSpace(item)
		list := &union
		switch {
		case strings.HasPrefix(item, "!"):
			list, item = &not, item[1:]
		case strings.HasPrefix(item, "&"):
			list, item = &and, item[1:]
		}
		if item == "" {
			return nil, Usagef("--limit %q: an empty item", o.Limit)
		}
		m, err := limitItem(item, ids, groups)
		if err != nil {
			return nil, Usagef("--limit %q: %v", o.Limit, err)
		}
		*list = append(*list, m)
	}
	return func(id string) bool {
		ok := len(union) == 0
		for _, m := range union {
			ok = ok || m(id)
		}
		for _, m := range and {
			ok = ok && m(id)
		}
		for _, m := range not {
			ok = ok && !m(id)
		}
		return ok
	}, nil
}

// limitItem is one --limit item: a group (nodegroup) name, or a glob over
// ids ("all" and "*" match every host).
func limitItem(item string, ids []string, groups match.Nodegroups) (func(string) bool, error) {
	if item == "all" {
		return func(string) bool { return true }, nil
	}
	if _, ok := groups[item]; ok {
		e, err := target.Parse(target.Nodegroup, item, groups)
		if err != nil {
			return nil, err
		}
		in := map[string]bool{}
		for _, id := range ids {
			if m, decided := e.MatchID(id); decided && m {
				in[id] = true
			}
		}
		return func(id string) bool { return in[id] }, nil
	}
	e, err := target.Parse(target.Glob, item, nil)
	if err != nil {
		return nil, err
	}
	return func(id string) bool { m, _ := e.MatchID(id); return m }, nil
}

// limit narrows the targeted hosts (and those that failed during
// targeting) to --limit's; none left is a usage error.
func (o *Options) limit(hosts []*roster.Host, failed []result.HostReturn, r *roster.Roster, groups match.Nodegroups) ([]*roster.Host, []result.HostReturn, error) {
	if o.Limit == "" || len(hosts)+len(failed) == 0 {
		return hosts, failed, nil
	}
	keep, err := o.limitHosts(r.IDs(), groups)
	if err != nil {
		return nil, nil, err
	}
	var h2 []*roster.Host
	for _, h := range hosts {
		if keep(h.ID) {
			h2 = append(h2, h)
		}
	}
	var f2 []result.HostReturn
	for _, f := range failed {
		if keep(f.ID) {
			f2 = append(f2, f)
		}
	}
	if len(h2)+len(f2) == 0 {
		return nil, nil, Usagef("--limit %q leaves none of the %d hosts target %q selects", o.Limit, len(hosts)+len(failed), o.Target)
	}
	return h2, f2, nil
}

// RosterHosts reads the roster o names, with brine.yaml's roster_defaults
// beneath its hosts (salt-ssh's -H lists it); file is the roster's path.
func RosterHosts(ctx context.Context, o Options) (hosts []*roster.Host, file string, err error) {
	o = o.withDefaults()
	cfg, err := loadConfig(o.Config, o.ConfigExplicit, o.SaltMaster)
	if err != nil {
		return nil, "", UsageError{err}
	}
	r, _, err := o.loadRoster(ctx, cfg)
	if err != nil {
		return nil, "", err
	}
	return r.Hosts, r.File, nil
}

// Targeted is the hosts a run with o would target (--limit, --shard,
// --failed-from and --new-hosts applied), without running anything; hosts
// a grain target needs the grains of are asked for them, as a run would.
// failed are the hosts that could not tell.
func Targeted(ctx context.Context, o Options) (hosts []*roster.Host, failed []string, file string, err error) {
	o = o.withDefaults()
	cfg, err := loadConfig(o.Config, o.ConfigExplicit, o.SaltMaster)
	if err != nil {
		return nil, nil, "", UsageError{err}
	}
	runner := &dispatch.Runner{Store: executorbin.NewStore(), Cache: dispatch.Cache{Dir: o.CacheDir},
		MaxProcs: o.MaxProcs, Refresh: o.Refresh, Timeout: o.Timeout}
	sel, err := o.selectHosts(ctx, cfg, Function{Name: "grains.items"}, runner)
	if errors.Is(err, errNothingToRun) {
		return nil, nil, o.RosterFile, nil
	}
	if err != nil {
		return nil, nil, "", err
	}
	for _, f := range sel.failed {
		failed = append(failed, f.ID)
	}
	return sel.hosts, failed, sel.file, nil
}
