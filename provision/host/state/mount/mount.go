// Package mount implements Salt's mount.swap (swapon, persisted in fstab)
// and a basic mount.mounted (fstab entry and mount).
package mount

import (
	"context"
	"fmt"
	"os"
	"path"
	"strings"

	"brine/provision/host/state"
	"brine/provision/host/state/hostcmd"
	"brine/provision/wire/lowstate"
)

// Module returns the mount state module.
func Module() *state.Module {
	return &state.Module{Spec: Spec(), Funcs: map[string]state.Func{"swap": swap, "mounted": mounted}}
}

// Entry is one fstab line.
type Entry struct {
	Device, Dir, Type, Opts string
	Dump, Pass              string
}

// String renders the entry as an fstab line.
func (e Entry) String() string {
	return strings.Join([]string{e.Device, e.Dir, e.Type, e.Opts, e.Dump, e.Pass}, "\t")
}

func parseEntry(l string) (Entry, bool) {
	f := strings.Fields(l)
	if len(f) < 4 || strings.HasPrefix(f[0], "#") {
		return Entry{}, false
	}
	for len(f) < 6 {
		f = append(f, "0")
	}
	return Entry{f[0], f[1], f[2], f[3], f[4], f[5]}, true
}

func sameEntry(a, b Entry) bool {
	return a.Device == b.Device && a.Dir == b.Dir && a.Type == b.Type && a.Opts == b.Opts && a.Dump == b.Dump && a.Pass == b.Pass
}

// fstab returns the new content of config with want in it, keyed by match,
// and "new", "change" or "" (nothing to do).
// readLines returns the lines of a (possibly missing) config file.
func readLines(env *state.Env, config string) ([]string, error) {
	b, err := os.ReadFile(state.HostPath(env, config))
	if s := strings.TrimSuffix(string(b), "\n"); err == nil && s != "" {
		return strings.Split(s, "\n"), nil
	}
	return nil, err
}

func fstab(env *state.Env, config string, want Entry, match func(Entry) bool) (string, string, error) {
	lines, err := readLines(env, config)
	if err != nil && !os.IsNotExist(err) {
		return "", "", err
	}
	status := "new"
	for i, l := range lines {
		e, ok := parseEntry(l)
		if !ok || !match(e) {
			continue
		}
		if sameEntry(e, want) {
			return "", "", nil
		}
		lines[i], status = want.String(), "change"
		break
	}
	if status == "new" {
		lines = append(lines, want.String())
	}
	return strings.Join(lines, "\n") + "\n", status, nil
}

// column returns column col of every line of a /proc table.
func column(env *state.Env, file string, col int) map[string]bool {
	b, _ := os.ReadFile(state.HostPath(env, file))
	m := map[string]bool{}
	for _, l := range strings.Split(string(b), "\n") {
		if f := strings.Fields(l); len(f) > col {
			m[strings.ReplaceAll(f[col], `\040`, " ")] = true
		}
	}
	return m
}

func config(c lowstate.Chunk) string {
	if v := c.Str("config"); v != "" {
		return v
	}
	return "/etc/fstab"
}

// swaps reads /proc/swaps as Salt's mount.swaps: device -> {type, size,
// used, priority}, the values as the kernel prints them.
func swaps(env *state.Env) map[string]map[string]any {
	b, _ := os.ReadFile(state.HostPath(env, "/proc/swaps"))
	m := map[string]map[string]any{}
	for _, l := range strings.Split(string(b), "\n") {
		f := strings.Fields(l)
		if len(f) < 5 || f[0] == "Filename" {
			continue
		}
		m[strings.ReplaceAll(f[0], `\040`, " ")] = map[string]any{"type": f[1], "size": f[2], "used": f[3], "priority": f[4]}
	}
	return m
}

// swapEntry is the fstab line Salt's mount.set_fstab writes for a swap:
// "{device}\t\t{name}\t{fstype}\t{opts}\t{dump} {pass_num}".
func swapEntry(device string) string {
	return device + "\t\tnone\tswap\tdefaults\t0 0"
}

// persistSwap is Salt's set_fstab("none", device, "swap", ["defaults"], 0,
// 0): a line for the device (matched on the device, as set_fstab's "auto"
// does for swap) is kept when it says the same, replaced when not, and
// added when missing. It returns "present", "change" or "new".
func persistSwap(env *state.Env, config, device string) (string, error) {
	lines, err := readLines(env, config)
	if err != nil {
		return "", err
	}
	want := Entry{device, "none", "swap", "defaults", "0", "0"}
	status := ""
	for i, l := range lines {
		e, ok := parseEntry(l)
		if !ok || path.Clean(e.Device) != path.Clean(device) {
			continue
		}
		if status == "" {
			status = "present"
		}
		if !sameEntry(e, want) {
			lines[i], status = swapEntry(device), "change"
		}
	}
	if status == "present" {
		return status, nil
	}
	if status == "" {
		status = "new"
		lines = append(lines, swapEntry(device))
	}
	return status, state.WriteFile(env, config, []byte(strings.Join(lines, "\n")+"\n"), 0, -1, -1)
}

// swap is Salt's mount.swap (salt/states/mount.py 3007.1): swapon the
// device (a symlink is followed), then make sure fstab has it. A swap file
// that does not exist yet is a prediction in test mode (an earlier state
// may create it), as Salt never looks at the file itself.
func swap(ctx context.Context, env *state.Env, c lowstate.Chunk) *lowstate.Result {
	name := c.Name()
	on := swaps(env)
	real := name
	if t, err := os.Readlink(state.HostPath(env, name)); err == nil {
		real = t
		if !strings.HasPrefix(t, "/") {
			real = "/dev/" + path.Base(t)
		}
	}
	r := state.OK("")
	switch _, active := on[real]; {
	case active:
		r.Comment = fmt.Sprintf("Swap %s already active", name)
	case env.Test:
		r.Result, r.Comment = nil, fmt.Sprintf("Swap %s is set to be activated", name)
	default:
		_, err := hostcmd.Output(ctx, env, nil, "swapon", real)
		on = swaps(env)
		if info, ok := on[real]; ok {
			r.Comment = fmt.Sprintf("Swap %s activated", name)
			for k, v := range info {
				r.Changes[k] = v
			}
		} else {
			r.Comment = fmt.Sprintf("Swap %s failed to activate", name)
			if err != nil {
				r.Comment += ": " + err.Error()
			}
			r.Result = lowstate.Bool(false)
		}
	}
	if !state.ArgBool(c, "persist", true) {
		return r
	}
	cfg := config(c)
	if env.Test {
		b, _ := os.ReadFile(state.HostPath(env, cfg))
		listed := false
		for _, l := range strings.Split(string(b), "\n") {
			if e, ok := parseEntry(l); ok && (e.Device == name || e.Dir == name) {
				listed = true
			}
		}
		if !listed {
			r.Result = nil
			if _, active := on[name]; active {
				r.Comment = fmt.Sprintf("Swap %s is set to be added to the fstab and to be activated", name)
			}
		}
		return r
	}
	status, err := persistSwap(env, cfg, name)
	switch {
	case os.IsNotExist(err):
		r.Result = lowstate.Bool(false)
		r.Comment += ". However, the fstab was not found."
	case err != nil:
		r.Result = lowstate.Bool(false)
		r.Comment += fmt.Sprintf(". Failed to update %s: %v", cfg, err)
	case status == "new":
		r.Changes["persist"] = "new"
		r.Comment += ". Added new entry to the fstab."
	case status == "change":
		r.Changes["persist"] = "update"
		r.Comment += ". Updated the entry in the fstab."
	}
	return r
}

func mounted(ctx context.Context, env *state.Env, c lowstate.Chunk) *lowstate.Result {
	name := strings.TrimRight(c.Name(), "/")
	if name == "" {
		name = "/"
	}
	device, fstype := c.Str("device"), c.Str("fstype")
	if device == "" || fstype == "" {
		return state.Failed("mount.mounted needs name (the mount point), device and fstype")
	}
	opts := strings.Join(state.ArgList(c, "opts"), ",")
	if opts == "" {
		opts = "defaults"
	}
	want := Entry{device, name, fstype, opts, c.Str("dump"), c.Str("pass_num")}
	if want.Dump == "" {
		want.Dump = "0"
	}
	if want.Pass == "" {
		want.Pass = "0"
	}
	ch := map[string]any{}
	var comments []string
	isMounted := column(env, "/proc/mounts", 1)[name]
	mkdir := false
	if !isMounted {
		_, serr := os.Stat(state.HostPath(env, name))
		missing := os.IsNotExist(serr)
		mkmnt := state.ArgBool(c, "mkmnt", false)
		if env.Test {
			// salt/states/mount.py mounted: predicted before any fstab work.
			switch {
			case !missing:
				return state.Pending(name+" would be mounted", nil)
			case mkmnt:
				return state.Pending(name+" would be created and mounted", nil)
			}
			return state.Pending(name+" does not exist and would not be created", nil)
		}
		if missing {
			if !mkmnt {
				return state.Failed("Mount directory is not present")
			}
			mkdir = true
		}
		ch["mount"] = true
		comments = append(comments, "Target was successfully mounted")
	} else {
		comments = append(comments, "Target was already mounted")
	}
	var newTab, fsStatus string
	if state.ArgBool(c, "persist", true) {
		var err error
		newTab, fsStatus, err = fstab(env, config(c), want, func(e Entry) bool { return strings.TrimRight(e.Dir, "/") == name || e.Dir == name })
		if err != nil {
			return state.Failedf("Failed to read %s: %v", config(c), err)
		}
		if fsStatus != "" {
			ch["persist"] = fsStatus
			comments = append(comments, fmt.Sprintf("Added new entry to %s", config(c)))
			if fsStatus == "change" {
				comments[len(comments)-1] = fmt.Sprintf("Updated the entry in %s", config(c))
			}
		}
	}
	cm := strings.Join(comments, ". ")
	if len(ch) == 0 {
		return state.OK(cm)
	}
	if env.Test {
		// mounted already; only the fstab entry would change
		msg := name + " is mounted, but needs to be written to the fstab in order to be made persistent."
		if fsStatus == "change" {
			msg = name + " is mounted, but its fstab entry must be updated."
		}
		return state.Pending("Target was already mounted. "+msg, nil)
	}
	if mkdir {
		if err := os.MkdirAll(state.HostPath(env, name), 0o755); err != nil {
			return state.Failedf("Failed to create mount point %s: %v", name, err)
		}
	}
	if !isMounted {
		if _, err := hostcmd.Output(ctx, env, nil, "mount", "-t", fstype, "-o", opts, device, name); err != nil {
			return state.Failedf("Failed to mount %s on %s: %v", device, name, err)
		}
	}
	if fsStatus != "" {
		if err := state.WriteFile(env, config(c), []byte(newTab), 0, -1, -1); err != nil {
			r := state.Failedf("Mounted, but failed to persist %s in %s: %v", name, config(c), err)
			delete(ch, "persist")
			r.Changes = ch
			return r
		}
	}
	return state.Changed(cm, ch)
}
