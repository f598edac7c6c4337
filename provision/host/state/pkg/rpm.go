package pkg

import (
	"context"
	"regexp"
	"strings"

	"brine/provision/host/state"
	"brine/provision/host/state/hostcmd"
)

// RPM is the RedHat-family provider: rpm -q for state, dnf or yum to act.
type RPM struct {
	env *state.Env
	bin string // "dnf" or "yum"
}

// NewRPM returns the rpm provider acting through bin ("dnf" or "yum").
func NewRPM(env *state.Env, bin string) *RPM { return &RPM{env: env, bin: bin} }

// Name implements Provider.
func (r *RPM) Name() string { return r.bin }

// rpmVersion joins epoch, version and release the way Salt reports them:
// "1.2-3.el9", or "2:1.2-3.el9" with a non-zero epoch.
func rpmVersion(epoch, vr string) string {
	if epoch == "" || epoch == "(none)" || epoch == "0" {
		return vr
	}
	return epoch + ":" + vr
}

// List implements Provider with rpm -qa --qf.
func (r *RPM) List(ctx context.Context) (map[string]Info, error) {
	out, err := hostcmd.Output(ctx, r.env, nil, "rpm", "-qa", "--qf", `%{NAME}\t%{EPOCH}\t%{VERSION}-%{RELEASE}\n`)
	if err != nil {
		return nil, err
	}
	m := map[string]Info{}
	for _, l := range strings.Split(out, "\n") {
		f := strings.Split(l, "\t")
		if len(f) < 3 || f[0] == "" || f[0] == "gpg-pubkey" {
			continue
		}
		m[f[0]] = Info{Version: rpmVersion(f[1], strings.TrimSpace(f[2]))}
	}
	return m, nil
}

// NeedsRefresh implements Provider: dnf and yum fetch metadata themselves.
func (r *RPM) NeedsRefresh() bool { return false }

// Preview implements Provider: nothing to prepare.
func (r *RPM) Preview(context.Context) (func(), error) { return func() {}, nil }

// Refresh implements Provider with makecache.
func (r *RPM) Refresh(ctx context.Context) error {
	_, err := hostcmd.Output(ctx, r.env, nil, r.bin, "makecache", "-q")
	return err
}

func (r *RPM) repoArgs(fromrepo string) []string {
	if fromrepo == "" {
		return nil
	}
	return []string{"--disablerepo=*", "--enablerepo=" + fromrepo}
}

// Install implements Provider with one dnf/yum install.
func (r *RPM) Install(ctx context.Context, t []Target, fromrepo string) error {
	argv := append([]string{r.bin, "install", "-y", "-q"}, r.repoArgs(fromrepo)...)
	_, err := hostcmd.Output(ctx, r.env, nil, append(argv, targetArgs(t, "-")...)...)
	return err
}

// Remove implements Provider with dnf/yum remove (rpm has no purge).
func (r *RPM) Remove(ctx context.Context, names []string, _ bool) error {
	_, err := hostcmd.Output(ctx, r.env, nil, append([]string{r.bin, "remove", "-y", "-q"}, names...)...)
	return err
}

// Candidates implements Provider with repoquery --latest-limit 1.
func (r *RPM) Candidates(ctx context.Context, names []string, fromrepo string) (map[string]string, error) {
	argv := append([]string{r.bin, "repoquery", "-q", "--latest-limit=1"}, r.repoArgs(fromrepo)...)
	argv = append(argv, "--qf", `%{name}\t%{epoch}\t%{version}-%{release}\n`)
	out, err := hostcmd.Output(ctx, r.env, nil, append(argv, names...)...)
	if err != nil {
		return nil, err
	}
	m := map[string]string{}
	for _, n := range names {
		m[n] = ""
	}
	for _, l := range strings.Split(out, "\n") {
		f := strings.Split(l, "\t")
		if len(f) < 3 || f[0] == "" {
			continue
		}
		m[f[0]] = rpmVersion(f[1], strings.TrimSpace(f[2]))
	}
	return m, nil
}

var reLock = regexp.MustCompile(`^(.+?)-(?:\d+:)?[^-]+-[^-]+$`)

// Held implements Provider with versionlock list.
func (r *RPM) Held(ctx context.Context) (map[string]bool, error) {
	out, err := hostcmd.Output(ctx, r.env, nil, r.bin, "versionlock", "list")
	if err != nil {
		return nil, err
	}
	m := map[string]bool{}
	for _, l := range strings.Split(out, "\n") {
		l = strings.TrimSuffix(strings.TrimSpace(l), ".*")
		if s := reLock.FindStringSubmatch(l); s != nil {
			m[s[1]] = true
		}
	}
	return m, nil
}

// SetHold implements Provider with versionlock add/delete.
func (r *RPM) SetHold(ctx context.Context, names []string, hold bool) error {
	verb := "delete"
	if hold {
		verb = "add"
	}
	_, err := hostcmd.Output(ctx, r.env, nil, append([]string{r.bin, "versionlock", verb}, names...)...)
	return err
}
