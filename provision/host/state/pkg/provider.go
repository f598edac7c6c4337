package pkg

import (
	"context"
	"fmt"
	"maps"
	"path"
	"sort"
	"strings"

	"brine/provision/host/state"
	"brine/provision/host/state/hostcmd"
)

// Info is the state of one package on the host.
type Info struct {
	// Version is the installed version ("" when not installed).
	Version string
	// ConfigOnly is true for a removed package whose configuration files
	// remain (dpkg "rc"); purging it is still a change.
	ConfigOnly bool
}

// Target is a package a state asks for, with an optional version (exact or
// a glob such as "1.2*").
type Target struct {
	Name    string
	Version string
}

// targetArgs renders targets as package manager arguments: the name, or
// name<sep>version when a version is pinned ("nginx=1.2" for apt and apk,
// "nginx-1.2" for dnf/yum).
func targetArgs(t []Target, sep string) []string {
	out := make([]string, 0, len(t))
	for _, x := range t {
		if x.Version != "" {
			out = append(out, x.Name+sep+x.Version)
		} else {
			out = append(out, x.Name)
		}
	}
	return out
}

// Provider is one package manager (apt, dnf/yum, apk). Every method that
// changes the host takes the whole batch, so a state makes one call.
type Provider interface {
	// Name is the provider's name for comments ("apt").
	Name() string
	// List returns every package known to the package database.
	List(ctx context.Context) (map[string]Info, error)
	// NeedsRefresh reports whether the package lists are empty, so a
	// refresh must happen before anything can be installed.
	NeedsRefresh() bool
	// Refresh updates the package lists (apt-get update).
	Refresh(ctx context.Context) error
	// Preview makes the read-only queries (Candidates) see fresh
	// package lists without changing the host's, for test mode; the
	// returned cleanup undoes it.
	Preview(ctx context.Context) (cleanup func(), err error)
	// Install installs or upgrades the targets in one call.
	Install(ctx context.Context, t []Target, fromrepo string) error
	// Remove removes (or purges) the packages in one call.
	Remove(ctx context.Context, names []string, purge bool) error
	// Candidates returns the version that would be installed for each name
	// ("" when the package is unknown).
	Candidates(ctx context.Context, names []string, fromrepo string) (map[string]string, error)
	// Held returns the packages currently held (pinned) at their version.
	Held(ctx context.Context) (map[string]bool, error)
	// SetHold holds or unholds the packages.
	SetHold(ctx context.Context, names []string, hold bool) error
}

// Choose picks the provider from the os_family grain (Debian, RedHat,
// Alpine), falling back to probing for the package manager's binaries. The
// package list it gives is read once per run (env.Memo) and read again
// after anything the provider changes.
func Choose(env *state.Env) (Provider, error) {
	p, err := choose(env)
	if err != nil {
		return nil, err
	}
	return memoized{Provider: p, memo: env.Memo}, nil
}

// memoized remembers the package list for the run.
type memoized struct {
	Provider
	memo *state.Memo
}

const memoList = "pkg:list"

func (m memoized) List(ctx context.Context) (map[string]Info, error) {
	if v, ok := m.memo.Load(memoList); ok {
		return maps.Clone(v.(map[string]Info)), nil
	}
	l, err := m.Provider.List(ctx)
	if err == nil {
		m.memo.Store(memoList, maps.Clone(l))
	}
	return l, err
}

func (m memoized) Install(ctx context.Context, t []Target, fromrepo string) error {
	defer m.memo.Forget(memoList)
	return m.Provider.Install(ctx, t, fromrepo)
}

func (m memoized) Remove(ctx context.Context, names []string, purge bool) error {
	defer m.memo.Forget(memoList)
	return m.Provider.Remove(ctx, names, purge)
}

func (m memoized) SetHold(ctx context.Context, names []string, hold bool) error {
	defer m.memo.Forget(memoList)
	return m.Provider.SetHold(ctx, names, hold)
}

func choose(env *state.Env) (Provider, error) {
	fam := ""
	if env.Grains != nil {
		fam = state.Scalar(env.Grains["os_family"])
	}
	switch strings.ToLower(fam) {
	case "debian":
		return NewApt(env), nil
	case "redhat", "fedora", "amazon", "rocky", "almalinux", "centos":
		if !hostcmd.Has(env, "dnf") && hostcmd.Has(env, "yum") {
			return NewRPM(env, "yum"), nil
		}
		return NewRPM(env, "dnf"), nil
	case "alpine":
		return NewAPK(env), nil
	}
	switch {
	case hostcmd.Has(env, "apt-get") && hostcmd.Has(env, "dpkg-query"):
		return NewApt(env), nil
	case hostcmd.Has(env, "dnf"):
		return NewRPM(env, "dnf"), nil
	case hostcmd.Has(env, "yum"):
		return NewRPM(env, "yum"), nil
	case hostcmd.Has(env, "apk"):
		return NewAPK(env), nil
	}
	return nil, fmt.Errorf("no supported package manager found (os_family %q; looked for apt-get, dnf, yum, apk)", fam)
}

// Satisfies reports whether an installed version matches a wanted one: any
// version when want is "", the comparisons of a spec such as ">=1.2,<2",
// else equal (ignoring a "N:" epoch the request does not name) or matching
// the glob want.
func Satisfies(installed, want string) bool {
	if installed == "" {
		return false
	}
	if want == "" {
		return true
	}
	if cs, ok := parseSpec(want); ok {
		return matchSpec(installed, cs)
	}
	cands := []string{installed}
	if i := strings.IndexByte(installed, ':'); i > 0 && !strings.Contains(want, ":") {
		cands = append(cands, installed[i+1:])
	}
	for _, v := range cands {
		if v == want {
			return true
		}
		if strings.ContainsAny(want, "*?[") {
			if ok, _ := path.Match(want, v); ok {
				return true
			}
		}
	}
	return false
}

// diff returns Salt-shaped changes between two package lists:
// {"name": {"old": "1.0", "new": "1.1"}}.
func diff(before, after map[string]Info) map[string]any {
	out := map[string]any{}
	seen := map[string]bool{}
	for _, m := range []map[string]Info{before, after} {
		for n := range m {
			if seen[n] {
				continue
			}
			seen[n] = true
			o, nw := before[n].Version, after[n].Version
			if o != nw {
				out[n] = map[string]any{"old": o, "new": nw}
			}
		}
	}
	return out
}

func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

func names(t []Target) []string {
	out := make([]string, len(t))
	for i, x := range t {
		out[i] = x.Name
	}
	return out
}
