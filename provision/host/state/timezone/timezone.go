// Package timezone implements Salt's timezone.system: /etc/timezone and the
// /etc/localtime symlink into /usr/share/zoneinfo (and the UTC/LOCAL line
// of /etc/adjtime when that file exists).
package timezone

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"brine/provision/host/state"
	"brine/provision/wire/lowstate"
)

// Module returns the timezone state module.
func Module() *state.Module {
	return &state.Module{Spec: Spec(), Funcs: map[string]state.Func{"system": system}}
}

// Symlink atomically points link (a target path) at dest: a temp symlink in
// the same directory renamed over link.
func Symlink(env *state.Env, dest, link string) error {
	hp := state.HostPath(env, link)
	tmp := filepath.Join(filepath.Dir(hp), "."+filepath.Base(hp)+".brine-tmp")
	os.Remove(tmp)
	if err := os.Symlink(dest, tmp); err != nil {
		return fmt.Errorf("symlink %s: %w", link, err)
	}
	if err := os.Rename(tmp, hp); err != nil {
		os.Remove(tmp)
		return fmt.Errorf("rename symlink into %s: %w", link, err)
	}
	return nil
}

// hwclock is Salt's get_hwclock for a Debian-like host without a running
// timedatectl: the UTC= line of /etc/default/rcS, else the last line of
// /etc/adjtime ("UTC" or "LOCAL"), else no RTC ("" counts as UTC). source
// is the file that answered ("" for none).
func hwclock(env *state.Env) (mode, source string) {
	if b, err := os.ReadFile(state.HostPath(env, "/etc/default/rcS")); err == nil {
		for _, l := range strings.Split(string(b), "\n") {
			if strings.HasPrefix(strings.TrimSpace(l), "#") || !strings.Contains(l, "UTC=") {
				continue
			}
			v := l[strings.LastIndex(l, "=")+1:]
			if strings.ToLower(strings.TrimSpace(v)) == "yes" {
				return "UTC", "/etc/default/rcS"
			}
			return "localtime", "/etc/default/rcS"
		}
	}
	if b, err := os.ReadFile(state.HostPath(env, "/etc/adjtime")); err == nil {
		lines := strings.Split(strings.TrimRight(string(b), "\n"), "\n")
		if strings.TrimSpace(lines[len(lines)-1]) == "LOCAL" {
			return "localtime", "/etc/adjtime"
		}
		return "UTC", "/etc/adjtime"
	}
	return "", ""
}

// setUTC makes the file hwclock read say UTC (Salt's set_hwclock edits
// rcS's UTC= line; brine edits whichever file holds the setting, so the
// next run reads what this one wrote).
func setUTC(env *state.Env, source string) error {
	b, err := os.ReadFile(state.HostPath(env, source))
	if err != nil {
		return err
	}
	lines := strings.Split(strings.TrimSuffix(string(b), "\n"), "\n")
	if source == "/etc/adjtime" {
		for len(lines) < 3 {
			lines = append(lines, "0")
		}
		lines[len(lines)-1] = "UTC"
	} else {
		for i, l := range lines {
			if strings.HasPrefix(l, "UTC=") {
				lines[i] = "UTC=yes"
			}
		}
	}
	return state.WriteFile(env, source, []byte(strings.Join(lines, "\n")+"\n"), 0, -1, -1)
}

// system is Salt's timezone.system: the zone is compared by the content
// of /etc/localtime (filecmp, as zone_compare does), set as a symlink into
// /usr/share/zoneinfo plus /etc/timezone; utc: True makes the hardware
// clock keep UTC (utc: False changes nothing, as in Salt).
func system(ctx context.Context, env *state.Env, c lowstate.Chunk) *lowstate.Result {
	tz := c.Name()
	if tz == "" || strings.Contains(tz, "..") || strings.HasPrefix(tz, "/") {
		return state.Failedf("Unable to compare desired timezone '%s' to system timezone: Can't find a local timezone \"%s\"", tz, tz)
	}
	zone := "/usr/share/zoneinfo/" + tz
	want, err := os.ReadFile(state.HostPath(env, zone))
	if err != nil {
		return state.Failedf("Unable to compare desired timezone '%s' to system timezone: Can't find a local timezone \"%s\"", tz, tz)
	}
	have, err := os.ReadFile(state.HostPath(env, resolveLocaltime(env)))
	if err != nil {
		return state.Failedf("Unable to compare desired timezone '%s' to system timezone: Failed to read /etc/localtime to determine current timezone: No such file or directory", tz)
	}
	sameZone := string(have) == string(want)
	utc := state.ArgBool(c, "utc", true)
	clock, source := hwclock(env)
	myUTC := clock != "localtime"
	doUTC := utc && !myUTC
	var msgs []string
	if sameZone {
		msgs = append(msgs, fmt.Sprintf("Timezone %s already set", tz))
	}
	if utc && myUTC {
		msgs = append(msgs, fmt.Sprintf("UTC already set to %s", tz))
	}
	if sameZone && !doUTC {
		return state.OK(strings.Join(msgs, ", "))
	}
	if env.Test {
		msgs = nil
		if !sameZone {
			msgs = append(msgs, fmt.Sprintf("Timezone %s needs to be set", tz))
		}
		if doUTC {
			msgs = append(msgs, "UTC needs to be set to True")
		}
		return state.Pending(strings.Join(msgs, ", "), nil)
	}
	msgs = nil
	ch := map[string]any{}
	ok := true
	if !sameZone {
		if err := Symlink(env, zone, "/etc/localtime"); err != nil {
			msgs, ok = append(msgs, "Failed to set timezone"), false
		} else if err := state.WriteFile(env, "/etc/timezone", []byte(tz+"\n"), 0, -1, -1); err != nil {
			msgs, ok = append(msgs, "Failed to set timezone"), false
		} else {
			ch["timezone"] = tz
			msgs = append(msgs, "Set timezone "+tz)
		}
	}
	if doUTC {
		if err := setUTC(env, source); err != nil {
			msgs, ok = append(msgs, "Failed to set UTC to True"), false
		} else {
			ch["utc"] = true
			msgs = append(msgs, "Set UTC to True")
		}
	}
	res := state.Changed(strings.Join(msgs, ", "), ch)
	if !ok {
		res.Result = lowstate.Bool(false)
	}
	return res
}

// resolveLocaltime returns /etc/localtime with a symlink followed under
// env.Root (an absolute link target is a path on the host).
func resolveLocaltime(env *state.Env) string {
	if l, err := os.Readlink(state.HostPath(env, "/etc/localtime")); err == nil && filepath.IsAbs(l) {
		return l
	}
	return "/etc/localtime"
}
