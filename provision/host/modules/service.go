package modules

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strings"

	"brine/provision/host/state"
	"brine/provision/host/state/service"
	"brine/provision/lib/fnmatch"
	"brine/provision/wire/funcs"
)

// serviceFuncs are Salt's service module as the host's init system has
// it: salt/modules/systemd_service.py on a host booted with systemd,
// debian_service.py (the service command and the rc.d links) on one
// without, and OpenRC's rc-service and rc-update through the state
// engine's manager. The signatures are systemd's.
func serviceFuncs() map[string]fn {
	action := func(verb string) fn {
		return fn{run: func(c *call) (any, error) { return c.serviceAction(verb) }}
	}
	return map[string]fn{
		"service.start":        action("start"),
		"service.stop":         action("stop"),
		"service.restart":      action("restart"),
		"service.reload":       action("reload"),
		"service.force_reload": action("force-reload"),
		"service.status":       {run: serviceStatus},
		"service.enable":       {run: func(c *call) (any, error) { return c.serviceEnable(true) }},
		"service.disable":      {run: func(c *call) (any, error) { return c.serviceEnable(false) }},
		"service.enabled":      {run: func(c *call) (any, error) { return c.serviceEnabled(c.str("name")) }},
		"service.disabled": {run: func(c *call) (any, error) {
			on, err := c.serviceEnabled(c.str("name"))
			if err != nil {
				return nil, err
			}
			if c.initSystem() == "sysvinit" {
				// debian_service: in get_disabled, i.e. a known service
				// that is not enabled
				all, err := c.serviceAll()
				return !on && slices.Contains(all, c.str("name")), err
			}
			return !on, nil
		}},
		"service.available": {run: func(c *call) (any, error) { return c.serviceAvailable(c.str("name")) }},
		"service.missing": {run: func(c *call) (any, error) {
			ok, err := c.serviceAvailable(c.str("name"))
			return !ok, err
		}},
		"service.get_all": {run: func(c *call) (any, error) {
			l, err := c.serviceAll()
			return anyList(l), err
		}},
		"service.get_enabled":  {run: func(c *call) (any, error) { return c.serviceList(true) }},
		"service.get_disabled": {run: func(c *call) (any, error) { return c.serviceList(false) }},
		"service.get_running":  {run: serviceRunning},
		"service.show":         {run: serviceShow},
		"service.systemctl_reload": {run: func(c *call) (any, error) {
			if err := c.needSystemd(); err != nil {
				return nil, err
			}
			r := c.command(nil, "", false, "systemctl", "--system", "daemon-reload")
			if r.Retcode != 0 {
				return nil, funcs.Raise("CommandExecutionError", "Problem performing systemctl daemon-reload: %s", r.Stdout)
			}
			return true, nil
		}},
		"service.masked": {run: func(c *call) (any, error) {
			if err := c.needSystemd(); err != nil {
				return nil, err
			}
			r := c.command(nil, "", true, "systemctl", "is-enabled", unitName(c.str("name")))
			out := strings.TrimSpace(r.Stdout)
			if c.truth("runtime") {
				return out == "masked-runtime", nil
			}
			return out == "masked" || out == "masked-runtime", nil
		}},
		"service.mask":   {run: func(c *call) (any, error) { return c.serviceMask("mask") }},
		"service.unmask": {run: func(c *call) (any, error) { return c.serviceMask("unmask") }},
	}
}

// initSystem is the host's init system: systemd when booted with it
// (Salt's salt.utils.systemd.booted), openrc, else sysvinit.
func (c *call) initSystem() string {
	switch strings.ToLower(pyStrOr(c.env.Grains["init"], "")) {
	case "systemd":
		if fi, err := os.Stat(state.HostPath(c.env.stateEnv(), "/run/systemd/system")); err == nil && fi.IsDir() {
			return "systemd"
		}
	case "openrc":
		return "openrc"
	}
	if fi, err := os.Stat(state.HostPath(c.env.stateEnv(), "/run/systemd/system")); err == nil && fi.IsDir() {
		return "systemd"
	}
	if c.whichPath("rc-service") != "" {
		return "openrc"
	}
	return "sysvinit"
}

func (c *call) needSystemd() error {
	if c.initSystem() != "systemd" {
		return NotAvailable(c.fun)
	}
	return nil
}

// unitName is systemd_service._canonical_unit_name: a name without a
// unit type is a .service.
func unitName(name string) string {
	for _, t := range []string{".service", ".socket", ".device", ".mount", ".automount", ".swap", ".target", ".path", ".timer", ".slice", ".scope"} {
		if strings.HasSuffix(name, t) {
			return name
		}
	}
	return name + ".service"
}

// stripScope is systemd_service._strip_scope.
func stripScope(msg string) string {
	var out []string
	for _, l := range strings.Split(msg, "\n") {
		if !strings.HasSuffix(l, ".scope") {
			out = append(out, l)
		}
	}
	return strings.TrimSpace(strings.Join(out, "\n"))
}

// unitChanges is systemd_service._check_for_unit_changes: a unit file
// systemd has not loaded yet, or changed on disk, makes systemd reload.
func (c *call) unitChanges(name string) {
	unit := unitName(name)
	untracked := false
	if _, err := os.Stat(state.HostPath(c.env.stateEnv(), "/etc/systemd/system/"+unit)); err == nil {
		st := c.command(nil, "", true, "systemctl", "status", unit, "-n", "0")
		untracked = !(st.Retcode >= 0 && st.Retcode < 4)
	}
	changed := false
	if !untracked {
		st := c.command(nil, "", true, "systemctl", "status", unit, "-n", "0")
		changed = strings.Contains(strings.ToLower(st.Stdout+st.Stderr), "'systemctl daemon-reload'")
	}
	if untracked || changed {
		c.command(nil, "", true, "systemctl", "--system", "daemon-reload")
	}
}

// serviceAction is start, stop, restart, reload and force_reload: Salt's
// systemd functions raise the command's error (stop answers False), the
// Debian ones answer whether `service NAME VERB` succeeded.
func (c *call) serviceAction(verb string) (any, error) {
	name := c.str("name")
	switch c.initSystem() {
	case "systemd":
		c.unitChanges(name)
		if verb != "stop" {
			if err := c.unmaskFirst(name); err != nil {
				return nil, err
			}
		}
		argv := []string{"systemctl"}
		if c.truth("no_block") {
			argv = append(argv, "--no-block")
		}
		r := c.command(nil, "", false, append(argv, verb, unitName(name))...)
		if verb == "stop" {
			return r.Retcode == 0, nil
		}
		if r.Retcode != 0 {
			return nil, funcs.Raise("CommandExecutionError", "%s", stripScope(r.Stderr))
		}
		return true, nil
	case "openrc":
		r := c.command(nil, "", false, "rc-service", name, verb)
		return r.Retcode == 0, nil
	}
	r := c.command(nil, "", false, "service", name, verb)
	return r.Retcode == 0, nil
}

// unmaskFirst is systemd_service._check_unmask.
func (c *call) unmaskFirst(name string) error {
	for _, k := range []string{"unmask", "unmask_runtime"} {
		if c.truth(k) {
			argv := []string{"systemctl", "unmask"}
			if k == "unmask_runtime" {
				argv = append(argv, "--runtime")
			}
			if r := c.command(nil, "", false, append(argv, unitName(name))...); r.Retcode != 0 {
				return funcs.Raise("CommandExecutionError", "Failed to unmask service '%s'", name)
			}
		}
	}
	return nil
}

// hasGlob is the test systemd_service and debian_service use.
func hasGlob(name string) bool {
	return regexp.MustCompile(`\*|\?|\[.+\]`).MatchString(name)
}

// serviceStatus is service.status: whether the service runs (systemctl
// is-active, `service NAME status`); a glob gives {name: bool} for the
// services it matches.
func serviceStatus(c *call) (any, error) {
	name := c.str("name")
	init := c.initSystem()
	if !c.isNone("sig") && init == "sysvinit" {
		return nil, errors.New("service.status: the sig argument is not supported by brine")
	}
	services := []string{name}
	if hasGlob(name) {
		all, err := c.serviceAll()
		if err != nil {
			return nil, err
		}
		services = nil
		for _, s := range all {
			if fnmatch.Match(name, s) {
				services = append(services, s)
			}
		}
	}
	out := map[string]any{}
	for _, s := range services {
		var ok bool
		switch init {
		case "systemd":
			c.unitChanges(s)
			ok = c.command(nil, "", true, "systemctl", "is-active", unitName(s)).Retcode == 0
		case "openrc":
			ok = c.command(nil, "", true, "rc-service", s, "status").Retcode == 0
		default:
			ok = c.command(nil, "", true, "service", s, "status").Retcode == 0
		}
		out[s] = ok
	}
	if hasGlob(name) {
		return out, nil
	}
	return out[name], nil
}

// serviceAvailable is service.available: systemctl status answers below 4
// (systemd >= 231), the service is among get_all (Debian), or the state
// engine's manager knows it (OpenRC).
func (c *call) serviceAvailable(name string) (bool, error) {
	switch c.initSystem() {
	case "systemd":
		r := c.command(nil, "", true, "systemctl", "status", unitName(name), "-n", "0")
		return r.Retcode >= 0 && r.Retcode < 4, nil
	case "openrc":
		return service.Choose(c.env.stateEnv()).Available(c.ctx, name), nil
	}
	all, err := c.serviceAll()
	return slices.Contains(all, name), err
}

// runlevel is debian_service._get_runlevel: runlevel(8)'s second word, 2
// when unknown.
func (c *call) runlevel() (string, error) {
	if c.whichPath("runlevel") == "" {
		return "", fmt.Errorf("Unable to run command '['runlevel']' with the context '{'cwd': '%s', 'shell': False}', reason: [Errno 2] No such file or directory: 'runlevel'", c.cwdDefault())
	}
	r := c.command(nil, "", false, "runlevel")
	if strings.Contains(r.Stdout, "unknown") {
		return "2", nil
	}
	f := strings.Fields(r.Stdout)
	if len(f) < 2 {
		return "2", nil
	}
	return f[1], nil
}

// cwdDefault is where _run runs a command without cwd: the user's home.
func (c *call) cwdDefault() string {
	if h := c.expandUser("~"); h != "~" && h != "" {
		return h
	}
	return "/"
}

// sysvEnabled is debian_service.get_enabled: the services with a start
// link in rcS.d or the current runlevel's rc.d.
func (c *call) sysvEnabled() ([]string, error) {
	rl, err := c.runlevel()
	if err != nil {
		return nil, err
	}
	set := map[string]bool{}
	for _, d := range []string{"S", rl} {
		matches, _ := filepath.Glob(state.HostPath(c.env.stateEnv(), "/etc/rc"+d+".d") + "/S*")
		for _, m := range matches {
			base := filepath.Base(m)
			parts := regexp.MustCompile(`\d+`).Split(base, -1)
			set[parts[len(parts)-1]] = true
		}
	}
	return sortedSet(set), nil
}

func sortedSet(set map[string]bool) []string {
	out := make([]string, 0, len(set))
	for k := range set {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// serviceAll is service.get_all: systemd's unit files and the sysvinit
// scripts without one (systemd), or /etc/init.d's scripts and the enabled
// ones (Debian).
func (c *call) serviceAll() ([]string, error) {
	se := c.env.stateEnv()
	set := map[string]bool{}
	initd := func(execOnly bool) []string {
		ents, _ := os.ReadDir(state.HostPath(se, "/etc/init.d"))
		var out []string
		for _, e := range ents {
			if e.Name() == "README" && !execOnly {
				continue
			}
			if execOnly {
				if fi, err := e.Info(); err != nil || fi.Mode()&0o111 == 0 {
					continue
				}
			}
			out = append(out, e.Name())
		}
		return out
	}
	switch c.initSystem() {
	case "systemd":
		for k := range c.systemdUnits() {
			set[k] = true
		}
		units := c.systemdUnits()
		for _, s := range initd(true) {
			if !units[s] {
				set[s] = true
			}
		}
	case "openrc":
		for _, s := range initd(true) {
			set[s] = true
		}
	default:
		for _, s := range initd(false) {
			set[s] = true
		}
		en, err := c.sysvEnabled()
		if err != nil {
			return nil, err
		}
		for _, s := range en {
			set[s] = true
		}
	}
	return sortedSet(set), nil
}

// validUnitTypes are systemd_service's VALID_UNIT_TYPES.
func validUnitType(t string) bool {
	switch t {
	case "service", "socket", "device", "mount", "automount", "swap", "target", "path", "timer":
		return true
	}
	return false
}

// systemdUnits is systemd_service._get_systemd_services: the units in
// systemd's configuration directories (services by their bare name).
func (c *call) systemdUnits() map[string]bool {
	se := c.env.stateEnv()
	set := map[string]bool{}
	for _, d := range []string{"/usr/lib/systemd/system", "/lib/systemd/system", "/etc/systemd/system"} {
		hp := state.HostPath(se, d)
		if fi, err := os.Lstat(hp); err != nil || fi.Mode()&os.ModeSymlink != 0 {
			continue
		}
		ents, _ := os.ReadDir(hp)
		for _, e := range ents {
			i := strings.LastIndex(e.Name(), ".")
			if i < 0 || !validUnitType(e.Name()[i+1:]) {
				continue
			}
			if e.Name()[i+1:] == "service" {
				set[e.Name()[:i]] = true
			} else {
				set[e.Name()] = true
			}
		}
	}
	return set
}

// serviceList is get_enabled / get_disabled.
func (c *call) serviceList(enabled bool) (any, error) {
	switch c.initSystem() {
	case "systemd":
		r := c.command(nil, "", true, "systemctl", "--full", "--no-legend", "--no-pager", "list-unit-files")
		want := "disabled"
		if enabled {
			want = "enabled"
		}
		set := map[string]bool{}
		for _, line := range strings.Split(r.Stdout, "\n") {
			f := strings.Fields(line)
			if len(f) < 2 || f[1] != want {
				continue
			}
			i := strings.LastIndex(f[0], ".")
			if i < 0 || !validUnitType(f[0][i+1:]) {
				continue
			}
			if f[0][i+1:] == "service" {
				set[f[0][:i]] = true
			} else {
				set[f[0]] = true
			}
		}
		units := c.systemdUnits()
		ents, _ := os.ReadDir(state.HostPath(c.env.stateEnv(), "/etc/init.d"))
		for _, e := range ents {
			if fi, err := e.Info(); err != nil || fi.Mode()&0o111 == 0 || units[e.Name()] {
				continue
			}
			if c.sysvLinked(e.Name()) == enabled {
				set[e.Name()] = true
			}
		}
		return anyList(sortedSet(set)), nil
	case "openrc":
		all, err := c.serviceAll()
		if err != nil {
			return nil, err
		}
		m := service.Choose(c.env.stateEnv())
		var out []string
		for _, s := range all {
			if on, _ := m.Enabled(c.ctx, s); on == enabled {
				out = append(out, s)
			}
		}
		return anyList(out), nil
	}
	en, err := c.sysvEnabled()
	if err != nil {
		return nil, err
	}
	if enabled {
		return anyList(en), nil
	}
	all, err := c.serviceAll()
	if err != nil {
		return nil, err
	}
	var out []string
	for _, s := range all {
		if !slices.Contains(en, s) {
			out = append(out, s)
		}
	}
	return anyList(out), nil
}

// sysvLinked is systemd_service._sysv_enabled: a start link for the
// script in the current runlevel's rc.d.
func (c *call) sysvLinked(name string) bool {
	rl := "2"
	if r := c.command(nil, "", true, "runlevel"); r.Retcode == 0 {
		if f := strings.Fields(r.Stdout); len(f) >= 2 && f[1] != "unknown" {
			rl = f[1]
		}
	}
	matches, _ := filepath.Glob(state.HostPath(c.env.stateEnv(), "/etc/rc"+rl+".d") + "/S??" + name)
	return len(matches) > 0
}

// serviceEnabled is service.enabled.
func (c *call) serviceEnabled(name string) (bool, error) {
	switch c.initSystem() {
	case "systemd":
		r := c.command(nil, "", true, "systemctl", "is-enabled", unitName(name))
		out := strings.TrimSpace(r.Stdout)
		switch {
		case r.Retcode == 0 && out != "alias":
			return true, nil
		case out == "alias":
			id := c.command(nil, "", false, "systemctl", "show", unitName(name), "-P", "Id")
			return c.command(nil, "", true, "systemctl", "is-enabled", id.Stdout).Retcode == 0, nil
		}
		if _, err := os.Stat(state.HostPath(c.env.stateEnv(), "/etc/init.d/"+name)); err == nil && !c.systemdUnits()[name] {
			return c.sysvLinked(name), nil
		}
		return false, nil
	case "openrc":
		return service.Choose(c.env.stateEnv()).Enabled(c.ctx, name)
	}
	en, err := c.sysvEnabled()
	if err != nil {
		return false, err
	}
	return slices.Contains(en, name), nil
}

// serviceEnable is service.enable and disable: systemctl (its error raised
// for enable), update-rc.d for a sysvinit script, insserv and update-rc.d
// on Debian without systemd.
func (c *call) serviceEnable(on bool) (any, error) {
	name := c.str("name")
	if !c.isNone("root") {
		return nil, errors.New(c.fun + ": the root argument is not supported by brine")
	}
	switch c.initSystem() {
	case "systemd":
		c.unitChanges(name)
		units := c.systemdUnits()
		if fi, err := os.Stat(state.HostPath(c.env.stateEnv(), "/etc/init.d/"+name)); err == nil && fi.Mode()&0o111 != 0 && !units[name] {
			verb := []string{"update-rc.d", "-f", name, "remove"}
			if on {
				verb = []string{"update-rc.d", "-f", name, "defaults", "99"}
			}
			return c.command(nil, "", true, verb...).Retcode == 0, nil
		}
		if on {
			if err := c.unmaskFirst(name); err != nil {
				return nil, err
			}
		}
		argv := []string{"systemctl"}
		if c.truth("no_block") {
			argv = append(argv, "--no-block")
		}
		verb := "disable"
		if on {
			verb = "enable"
		}
		r := c.command(nil, "", true, append(argv, verb, unitName(name))...)
		if on && r.Retcode != 0 {
			return nil, funcs.Raise("CommandExecutionError", "%s", stripScope(r.Stderr))
		}
		return r.Retcode == 0, nil
	case "openrc":
		return service.Choose(c.env.stateEnv()).SetEnabled(c.ctx, name, on) == nil, nil
	}
	if on {
		q := shquoteArg(name)
		shell := c.defaultShell()
		return c.command(nil, "", false, shell, "-c", "insserv "+q+" && update-rc.d "+q+" enable").Retcode == 0, nil
	}
	return c.command(nil, "", false, "update-rc.d", name, "disable").Retcode == 0, nil
}

// serviceRunning is service.get_running (systemd).
func serviceRunning(c *call) (any, error) {
	if err := c.needSystemd(); err != nil {
		return nil, err
	}
	r := c.command(nil, "", true, "systemctl", "--full", "--no-legend", "--no-pager")
	set := map[string]bool{}
	for _, line := range strings.Split(r.Stdout, "\n") {
		f := strings.Fields(line)
		if len(f) < 4 || f[3] != "running" {
			continue
		}
		i := strings.LastIndex(f[0], ".")
		if i < 0 || !validUnitType(f[0][i+1:]) {
			continue
		}
		if f[0][i+1:] == "service" {
			set[f[0][:i]] = true
		} else {
			set[f[0]] = true
		}
	}
	return anyList(sortedSet(set)), nil
}

// serviceShow is systemd_service.show: systemctl show's properties, the
// {a=b ; c=d} ones as dicts and Before, After and Wants as lists.
func serviceShow(c *call) (any, error) {
	if err := c.needSystemd(); err != nil {
		return nil, err
	}
	r := c.command(nil, "", false, "systemctl", "show", unitName(c.str("name")))
	ret := map[string]any{}
	for _, line := range strings.Split(r.Stdout, "\n") {
		k, v, _ := strings.Cut(line, "=")
		switch {
		case strings.HasPrefix(v, "{"):
			v = strings.NewReplacer("{", "", "}", "").Replace(v)
			m := map[string]any{}
			for _, item := range strings.Split(v, " ; ") {
				ik, iv, _ := strings.Cut(item, "=")
				m[strings.TrimSpace(ik)] = strings.TrimSpace(iv)
			}
			ret[k] = m
		case k == "Before" || k == "After" || k == "Wants":
			ret[k] = anyList(strings.Fields(v))
		default:
			ret[k] = v
		}
	}
	return ret, nil
}

// serviceMask is systemd_service.mask and unmask_.
func (c *call) serviceMask(verb string) (any, error) {
	if err := c.needSystemd(); err != nil {
		return nil, err
	}
	name := c.str("name")
	c.unitChanges(name)
	argv := []string{"systemctl", verb}
	if c.truth("runtime") {
		argv = append(argv, "--runtime")
	}
	if verb == "unmask" {
		masked := c.command(nil, "", true, "systemctl", "is-enabled", unitName(name))
		if o := strings.TrimSpace(masked.Stdout); o != "masked" && o != "masked-runtime" {
			return true, nil
		}
	}
	r := c.command(nil, "", true, append(argv, unitName(name))...)
	if r.Retcode != 0 {
		return nil, funcs.Raise("CommandExecutionError", "Failed to %s service '%s'", verb, name)
	}
	return true, nil
}
