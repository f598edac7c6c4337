package pkg

import (
	"context"
	"fmt"
	"path/filepath"
	"regexp"
	"strings"

	"brine/provision/host/state"
	"brine/provision/host/state/hostcmd"
)

// APK is the Alpine provider.
type APK struct{ env *state.Env }

// NewAPK returns the apk provider.
func NewAPK(env *state.Env) *APK { return &APK{env: env} }

// Name implements Provider.
func (a *APK) Name() string { return "apk" }

var (
	reAPKName = regexp.MustCompile(`^(.+)-([0-9][^-]*-r[0-9]+)$`)
)

// splitAPK splits "musl-1.2.4-r2" into name and version.
func splitAPK(s string) (string, string, bool) {
	m := reAPKName.FindStringSubmatch(strings.TrimSpace(s))
	if m == nil {
		return "", "", false
	}
	return m[1], m[2], true
}

// List implements Provider with apk info -v.
func (a *APK) List(ctx context.Context) (map[string]Info, error) {
	out, err := hostcmd.Output(ctx, a.env, nil, "apk", "info", "-v")
	if err != nil {
		return nil, err
	}
	m := map[string]Info{}
	for _, l := range strings.Split(out, "\n") {
		if n, v, ok := splitAPK(l); ok {
			m[n] = Info{Version: v}
		}
	}
	return m, nil
}

// NeedsRefresh implements Provider: no APKINDEX in the cache.
func (a *APK) NeedsRefresh() bool {
	got, _ := filepath.Glob(state.HostPath(a.env, "/var/cache/apk") + "/APKINDEX*")
	return len(got) == 0
}

// Preview implements Provider: nothing to prepare.
func (a *APK) Preview(context.Context) (func(), error) { return func() {}, nil }

// Refresh implements Provider with apk update.
func (a *APK) Refresh(ctx context.Context) error {
	_, err := hostcmd.Output(ctx, a.env, nil, "apk", "update", "-q")
	return err
}

func apkRepo(fromrepo string) []string {
	if fromrepo == "" {
		return nil
	}
	return []string{"--repository", fromrepo}
}

// Install implements Provider with one apk add.
func (a *APK) Install(ctx context.Context, t []Target, fromrepo string) error {
	argv := append([]string{"apk", "add", "-q"}, apkRepo(fromrepo)...)
	_, err := hostcmd.Output(ctx, a.env, nil, append(argv, targetArgs(t, "=")...)...)
	return err
}

// Remove implements Provider with apk del (--purge to purge).
func (a *APK) Remove(ctx context.Context, names []string, purge bool) error {
	argv := []string{"apk", "del", "-q"}
	if purge {
		argv = append(argv, "--purge")
	}
	_, err := hostcmd.Output(ctx, a.env, nil, append(argv, names...)...)
	return err
}

// Candidates implements Provider with apk search -e.
func (a *APK) Candidates(ctx context.Context, names []string, fromrepo string) (map[string]string, error) {
	argv := append([]string{"apk", "search", "-e"}, apkRepo(fromrepo)...)
	out, err := hostcmd.Output(ctx, a.env, nil, append(argv, names...)...)
	if err != nil {
		return nil, err
	}
	m := map[string]string{}
	for _, n := range names {
		m[n] = ""
	}
	for _, l := range strings.Split(out, "\n") {
		if n, v, ok := splitAPK(l); ok {
			if _, want := m[n]; want {
				m[n] = v
			}
		}
	}
	return m, nil
}

// Held implements Provider: apk pins live in /etc/apk/world as name=version.
func (a *APK) Held(ctx context.Context) (map[string]bool, error) {
	return map[string]bool{}, nil
}

// SetHold implements Provider: not supported by apk.
func (a *APK) SetHold(ctx context.Context, names []string, hold bool) error {
	return fmt.Errorf("hold is not supported by apk (pin a version instead)")
}
