package service

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"brine/provision/host/state"
	"brine/provision/host/state/hostcmd"
)

// Manager is one init system (systemd, sysvinit, OpenRC).
type Manager interface {
	// Name is the init system's name ("sysvinit").
	Name() string
	// Available reports whether the service exists.
	Available(ctx context.Context, name string) bool
	// Running reports whether the service runs.
	Running(ctx context.Context, name string) (bool, error)
	// Enabled reports whether the service starts at boot.
	Enabled(ctx context.Context, name string) (bool, error)
	// Do runs an action: start, stop, restart, reload.
	Do(ctx context.Context, name, action string) error
	// SetEnabled enables or disables the service at boot.
	SetEnabled(ctx context.Context, name string, on bool) error
}

// Choose picks the init system from the "init" grain (systemd, sysvinit,
// openrc), probing the host when the grain is missing.
func Choose(env *state.Env) Manager {
	init := ""
	if env.Grains != nil {
		init = strings.ToLower(state.Scalar(env.Grains["init"]))
	}
	switch init {
	case "systemd":
		return &Systemd{env: env}
	case "openrc":
		return &OpenRC{env: env}
	case "sysvinit", "sysv", "upstart":
		return &SysV{env: env}
	}
	if fi, err := os.Stat(state.HostPath(env, "/run/systemd/system")); err == nil && fi.IsDir() {
		return &Systemd{env: env}
	}
	if hostcmd.Has(env, "openrc") || hostcmd.Has(env, "rc-service") {
		return &OpenRC{env: env}
	}
	return &SysV{env: env}
}

func run(ctx context.Context, env *state.Env, argv ...string) error {
	_, err := hostcmd.Output(ctx, env, nil, argv...)
	return err
}

// Systemd drives services through systemctl.
type Systemd struct{ env *state.Env }

// Name implements Manager.
func (s *Systemd) Name() string { return "systemd" }

// Available implements Manager with systemctl show -p LoadState.
func (s *Systemd) Available(ctx context.Context, name string) bool {
	r := hostcmd.Run(ctx, s.env, nil, "systemctl", "show", "-p", "LoadState", "--value", name)
	return r.Err == nil && r.Retcode == 0 && strings.TrimSpace(r.Stdout) == "loaded"
}

// Running implements Manager with systemctl is-active.
func (s *Systemd) Running(ctx context.Context, name string) (bool, error) {
	r := hostcmd.Run(ctx, s.env, nil, "systemctl", "is-active", "--quiet", name)
	if r.Err != nil {
		return false, r.Err
	}
	return r.Retcode == 0, nil
}

// Enabled implements Manager with systemctl is-enabled.
func (s *Systemd) Enabled(ctx context.Context, name string) (bool, error) {
	r := hostcmd.Run(ctx, s.env, nil, "systemctl", "is-enabled", name)
	if r.Err != nil {
		return false, r.Err
	}
	// salt/modules/systemd_service.py enabled: is-enabled's success
	// (enabled, enabled-runtime, static, indirect, generated...), and for
	// an alias the unit behind it
	out := strings.TrimSpace(r.Stdout)
	switch {
	case r.Retcode == 0 && out != "alias":
		return true, nil
	case out == "alias":
		id := hostcmd.Run(ctx, s.env, nil, "systemctl", "show", name, "-P", "Id")
		if id.Err != nil {
			return false, id.Err
		}
		real := hostcmd.Run(ctx, s.env, nil, "systemctl", "is-enabled", strings.TrimSpace(id.Stdout))
		return real.Err == nil && real.Retcode == 0, real.Err
	}
	return false, nil
}

// Do implements Manager with systemctl ACTION.
func (s *Systemd) Do(ctx context.Context, name, action string) error {
	return run(ctx, s.env, "systemctl", action, name)
}

// SetEnabled implements Manager with systemctl enable/disable.
func (s *Systemd) SetEnabled(ctx context.Context, name string, on bool) error {
	if on {
		return run(ctx, s.env, "systemctl", "enable", name)
	}
	return run(ctx, s.env, "systemctl", "disable", name)
}

// SysV drives /etc/init.d scripts, with update-rc.d (or chkconfig) for the
// boot links.
type SysV struct{ env *state.Env }

// Name implements Manager.
func (s *SysV) Name() string { return "sysvinit" }

// script is the init script as the executor sees it (under Root in tests).
func (s *SysV) script(name string) string { return state.HostPath(s.env, "/etc/init.d/"+name) }

// Available implements Manager: /etc/init.d/NAME exists.
func (s *SysV) Available(_ context.Context, name string) bool {
	fi, err := os.Stat(s.script(name))
	return err == nil && !fi.IsDir()
}

// Running implements Manager: the init script's status exit code (LSB: 0
// running, 1-3 stopped), falling back to pid files and a /proc scan when
// the script has no status action.
func (s *SysV) Running(ctx context.Context, name string) (bool, error) {
	r := hostcmd.Run(ctx, s.env, nil, s.script(name), "status")
	if r.Err == nil {
		usage := strings.Contains(strings.ToLower(r.Stdout+r.Stderr), "usage")
		switch {
		case r.Retcode == 0 && !usage:
			return true, nil
		case r.Retcode >= 1 && r.Retcode <= 3 && !usage:
			return false, nil
		}
	}
	return procRunning(s.env, name), nil
}

// procRunning looks for a live pid in the usual pid files, then for a
// process whose command name is name.
func procRunning(env *state.Env, name string) bool {
	for _, pf := range []string{"/run/" + name + ".pid", "/var/run/" + name + ".pid", "/run/" + name + "/" + name + ".pid"} {
		b, err := os.ReadFile(state.HostPath(env, pf))
		if err != nil {
			continue
		}
		pid, err := strconv.Atoi(strings.TrimSpace(string(b)))
		if err != nil || pid <= 0 {
			continue
		}
		if _, err := os.Stat(state.HostPath(env, "/proc/"+strconv.Itoa(pid))); err == nil {
			return true
		}
	}
	comm := name
	if len(comm) > 15 {
		comm = comm[:15]
	}
	dirs, _ := filepath.Glob(state.HostPath(env, "/proc") + "/[0-9]*")
	for _, d := range dirs {
		b, err := os.ReadFile(filepath.Join(d, "comm"))
		if err == nil && strings.TrimSpace(string(b)) == comm {
			return true
		}
	}
	return false
}

// links returns the rc?.d links of the service: start links (S) in the
// multi-user runlevels and whether any link exists at all.
func (s *SysV) links(name string) (start, any bool) {
	for _, lvl := range []string{"2", "3", "4", "5", "S"} {
		got, _ := filepath.Glob(state.HostPath(s.env, "/etc/rc"+lvl+".d") + "/[SK][0-9][0-9]" + name)
		for _, g := range got {
			any = true
			if strings.HasPrefix(filepath.Base(g), "S") && lvl != "S" {
				start = true
			}
		}
	}
	return start, any
}

// Enabled implements Manager: an S link in runlevel 2-5.
func (s *SysV) Enabled(_ context.Context, name string) (bool, error) {
	on, _ := s.links(name)
	return on, nil
}

// Do implements Manager with /etc/init.d/NAME ACTION.
func (s *SysV) Do(ctx context.Context, name, action string) error {
	return run(ctx, s.env, s.script(name), action)
}

// SetEnabled implements Manager with update-rc.d (defaults when no link
// exists yet, then enable/disable), or chkconfig where update-rc.d is
// missing.
func (s *SysV) SetEnabled(ctx context.Context, name string, on bool) error {
	if !hostcmd.Has(s.env, "update-rc.d") && hostcmd.Has(s.env, "chkconfig") {
		v := "off"
		if on {
			v = "on"
		}
		return run(ctx, s.env, "chkconfig", name, v)
	}
	_, anyLink := s.links(name)
	if !anyLink {
		if !on {
			return nil
		}
		if err := run(ctx, s.env, "update-rc.d", name, "defaults"); err != nil {
			return err
		}
		// update-rc.d exits 0 without creating a link when the script has
		// no LSB header: say so instead of reporting an enable that did
		// not happen (and happens again on every run).
		if start, _ := s.links(name); !start {
			return fmt.Errorf("update-rc.d %s defaults created no start link: give /etc/init.d/%s an LSB header with Default-Start (e.g. 2 3 4 5)", name, name)
		}
		return nil
	}
	if on {
		return run(ctx, s.env, "update-rc.d", name, "enable")
	}
	return run(ctx, s.env, "update-rc.d", name, "disable")
}

// OpenRC drives services through rc-service and rc-update.
type OpenRC struct{ env *state.Env }

// Name implements Manager.
func (o *OpenRC) Name() string { return "openrc" }

// Available implements Manager: /etc/init.d/NAME exists.
func (o *OpenRC) Available(_ context.Context, name string) bool {
	fi, err := os.Stat(state.HostPath(o.env, "/etc/init.d/"+name))
	return err == nil && !fi.IsDir()
}

// Running implements Manager with rc-service NAME status.
func (o *OpenRC) Running(ctx context.Context, name string) (bool, error) {
	r := hostcmd.Run(ctx, o.env, nil, "rc-service", name, "status")
	if r.Err != nil {
		return false, r.Err
	}
	return r.Retcode == 0, nil
}

// Enabled implements Manager: a link in /etc/runlevels/default.
func (o *OpenRC) Enabled(_ context.Context, name string) (bool, error) {
	_, err := os.Lstat(state.HostPath(o.env, "/etc/runlevels/default/"+name))
	return err == nil, nil
}

// Do implements Manager with rc-service NAME ACTION.
func (o *OpenRC) Do(ctx context.Context, name, action string) error {
	return run(ctx, o.env, "rc-service", name, action)
}

// SetEnabled implements Manager with rc-update add/del NAME default.
func (o *OpenRC) SetEnabled(ctx context.Context, name string, on bool) error {
	if on {
		return run(ctx, o.env, "rc-update", "add", name, "default")
	}
	return run(ctx, o.env, "rc-update", "del", name, "default")
}
