package pkg

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"time"

	"brine/provision/host/state"
	"brine/provision/host/state/hostcmd"
)

// Apt is the Debian/Ubuntu provider: dpkg-query for state, apt-get to act.
type Apt struct {
	env *state.Env
	// lists, when set, is a private package-list directory the read-only
	// queries use (test mode on a host whose lists are empty or stale).
	lists string
}

// listsOpt points apt at the private lists (and keeps it from writing its
// binary caches) during a preview.
func (a *Apt) listsOpt() []string {
	if a.lists == "" {
		return nil
	}
	return []string{"-o", "Dir::State::Lists=" + a.lists, "-o", "Dir::Cache::pkgcache=", "-o", "Dir::Cache::srcpkgcache="}
}

// Preview implements Provider: it downloads fresh package lists into a
// temp directory, so test mode can predict versions without touching
// /var/lib/apt/lists.
func (a *Apt) Preview(ctx context.Context) (func(), error) {
	dir, err := os.MkdirTemp("", "brine-apt-lists-")
	if err != nil {
		return func() {}, err
	}
	cleanup := func() { os.RemoveAll(dir); a.lists = "" }
	if err := os.Mkdir(filepath.Join(dir, "partial"), 0o755); err != nil {
		cleanup()
		return func() {}, err
	}
	os.Chmod(dir, 0o755)
	a.lists = dir
	argv := append([]string{"apt-get", "update", "-q", "-o", "Debug::NoLocking=1"}, a.listsOpt()...)
	if _, err := hostcmd.Output(ctx, a.env, aptEnv(), argv...); err != nil {
		cleanup()
		return func() {}, err
	}
	return cleanup, nil
}

// NewApt returns the apt/dpkg provider.
func NewApt(env *state.Env) *Apt { return &Apt{env: env} }

// Name implements Provider.
func (a *Apt) Name() string { return "apt" }

func aptEnv() map[string]string {
	return map[string]string{"DEBIAN_FRONTEND": "noninteractive"}
}

// aptOpts are the options every apt-get install gets: never prompt, keep
// locally modified configuration files.
func aptOpts() []string {
	return []string{"-y", "-q", "-o", "DPkg::Options::=--force-confold", "-o", "DPkg::Options::=--force-confdef"}
}

// List implements Provider with dpkg-query -W.
func (a *Apt) List(ctx context.Context) (map[string]Info, error) {
	out, err := hostcmd.Output(ctx, a.env, nil, "dpkg-query", "-W", "-f=${Package}\t${db:Status-Abbrev}\t${Version}\n")
	if err != nil {
		return nil, err
	}
	return parseDpkg(out), nil
}

// parseDpkg parses "name\tii \tversion" lines.
func parseDpkg(out string) map[string]Info {
	m := map[string]Info{}
	for _, l := range strings.Split(out, "\n") {
		f := strings.Split(l, "\t")
		if len(f) < 3 || f[0] == "" {
			continue
		}
		st := f[1]
		if len(st) < 2 {
			continue
		}
		var in Info
		switch st[1] {
		case 'i', 'W', 't':
			in.Version = strings.TrimSpace(f[2])
		case 'c':
			in.ConfigOnly = true
		default:
			continue
		}
		if old, ok := m[f[0]]; ok && old.Version != "" {
			continue // multiarch duplicate: keep the installed one
		}
		m[f[0]] = in
	}
	return m
}

// NeedsRefresh implements Provider: true when /var/lib/apt/lists holds no
// Packages index.
func (a *Apt) NeedsRefresh() bool {
	got, _ := filepath.Glob(state.HostPath(a.env, "/var/lib/apt/lists") + "/*_Packages*")
	return len(got) == 0
}

// Refresh implements Provider with apt-get update.
func (a *Apt) Refresh(ctx context.Context) error {
	_, err := hostcmd.Output(ctx, a.env, aptEnv(), "apt-get", "update", "-q")
	return err
}

// Install implements Provider with one apt-get install. Held targets are
// unheld for the install and held again after it, as aptpkg.install does
// (apt-get refuses to change a held package).
func (a *Apt) Install(ctx context.Context, t []Target, fromrepo string) error {
	held, err := a.Held(ctx)
	if err != nil {
		return err
	}
	var unhold []string
	for _, x := range t {
		if held[x.Name] {
			unhold = append(unhold, x.Name)
		}
	}
	if len(unhold) > 0 {
		if err := a.SetHold(ctx, unhold, false); err != nil {
			return err
		}
		defer func() {
			// Hold them again even when the run is being cancelled, within
			// a bound of its own.
			hctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
			defer cancel()
			_ = a.SetHold(hctx, unhold, true)
		}()
	}
	argv := append([]string{"apt-get", "install"}, aptOpts()...)
	if fromrepo != "" {
		argv = append(argv, "-t", fromrepo)
	}
	argv = append(argv, targetArgs(t, "=")...)
	_, err = hostcmd.Output(ctx, a.env, aptEnv(), argv...)
	return err
}

// Remove implements Provider with apt-get remove or purge.
func (a *Apt) Remove(ctx context.Context, names []string, purge bool) error {
	verb := "remove"
	if purge {
		verb = "purge"
	}
	argv := append([]string{"apt-get", verb, "-y", "-q"}, names...)
	_, err := hostcmd.Output(ctx, a.env, aptEnv(), argv...)
	return err
}

// Candidates implements Provider with apt-cache policy.
func (a *Apt) Candidates(ctx context.Context, names []string, fromrepo string) (map[string]string, error) {
	argv := append([]string{"apt-cache"}, a.listsOpt()...)
	if fromrepo != "" {
		argv = append(argv, "-t", fromrepo)
	}
	argv = append(argv, "policy")
	out, err := hostcmd.Output(ctx, a.env, nil, append(argv, names...)...)
	if err != nil {
		return nil, err
	}
	return parsePolicy(out), nil
}

// parsePolicy reads the Candidate of each "name:" block of apt-cache policy.
func parsePolicy(out string) map[string]string {
	m := map[string]string{}
	cur := ""
	for _, l := range strings.Split(out, "\n") {
		if l != "" && l[0] != ' ' && strings.HasSuffix(l, ":") {
			cur = strings.TrimSuffix(l, ":")
			m[cur] = ""
			continue
		}
		t := strings.TrimSpace(l)
		if cur != "" && strings.HasPrefix(t, "Candidate:") {
			v := strings.TrimSpace(strings.TrimPrefix(t, "Candidate:"))
			if v == "(none)" {
				v = ""
			}
			m[cur] = v
		}
	}
	return m
}

// Held implements Provider with apt-mark showhold.
func (a *Apt) Held(ctx context.Context) (map[string]bool, error) {
	out, err := hostcmd.Output(ctx, a.env, nil, "apt-mark", "showhold")
	if err != nil {
		return nil, err
	}
	m := map[string]bool{}
	for _, l := range strings.Fields(out) {
		m[strings.SplitN(l, ":", 2)[0]] = true
	}
	return m, nil
}

// SetHold implements Provider with apt-mark hold/unhold.
func (a *Apt) SetHold(ctx context.Context, names []string, hold bool) error {
	verb := "unhold"
	if hold {
		verb = "hold"
	}
	_, err := hostcmd.Output(ctx, a.env, nil, append([]string{"apt-mark", verb}, names...)...)
	return err
}
