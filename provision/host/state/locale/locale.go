// Package locale implements Salt's locale states: present (generate a
// locale via /etc/locale.gen and locale-gen) and system (LANG in
// /etc/default/locale).
package locale

import (
	"context"
	"fmt"
	"os"
	"regexp"
	"strings"

	"brine/provision/host/state"
	"brine/provision/host/state/hostcmd"
	"brine/provision/wire/lowstate"
)

// Module returns the locale state module.
func Module() *state.Module {
	return &state.Module{Spec: Spec(), Funcs: map[string]state.Func{"present": present, "system": system}}
}

// Normalize turns a locale name into the form `locale -a` prints:
// "en_US.UTF-8" -> "en_US.utf8".
func Normalize(name string) string {
	f := strings.Fields(name)
	if len(f) == 0 {
		return ""
	}
	name = f[0]
	lang, rest, ok := strings.Cut(name, ".")
	if !ok {
		return name
	}
	cs, mod, hasMod := strings.Cut(rest, "@")
	cs = strings.ToLower(strings.ReplaceAll(cs, "-", ""))
	if hasMod {
		return lang + "." + cs + "@" + mod
	}
	return lang + "." + cs
}

// genLine is the /etc/locale.gen line for a name: "en_US.UTF-8 UTF-8".
func genLine(name string) string {
	f := strings.Fields(name)
	if len(f) >= 2 {
		return f[0] + " " + f[1]
	}
	if _, cs, ok := strings.Cut(f[0], "."); ok {
		return f[0] + " " + strings.SplitN(cs, "@", 2)[0]
	}
	return f[0] + " ISO-8859-1"
}

// enable returns locale.gen with the line for name uncommented (appended
// when missing).
func enable(cur, name string) string {
	line := genLine(name)
	f := strings.Fields(line)
	re := regexp.MustCompile(`^#?\s*` + regexp.QuoteMeta(f[0]) + `\s+` + regexp.QuoteMeta(f[1]) + `\s*$`)
	lines := strings.Split(strings.TrimSuffix(cur, "\n"), "\n")
	if cur == "" {
		lines = nil
	}
	for i, l := range lines {
		if re.MatchString(l) {
			lines[i] = line
			return strings.Join(lines, "\n") + "\n"
		}
	}
	return strings.Join(append(lines, line), "\n") + "\n"
}

func available(ctx context.Context, env *state.Env, name string) (bool, error) {
	out, err := hostcmd.Output(ctx, env, nil, "locale", "-a")
	if err != nil {
		return false, err
	}
	want := Normalize(name)
	for _, l := range strings.Split(out, "\n") {
		if Normalize(strings.TrimSpace(l)) == want {
			return true, nil
		}
	}
	return false, nil
}

func present(ctx context.Context, env *state.Env, c lowstate.Chunk) *lowstate.Result {
	name := strings.TrimSpace(c.Name())
	if name == "" {
		return state.Failed("locale.present needs a name such as en_US.UTF-8")
	}
	ok, err := available(ctx, env, name)
	if err != nil {
		return state.Failedf("Failed to list the available locales: %v", err)
	}
	if ok {
		return state.OK(fmt.Sprintf("Locale %s is already present", name))
	}
	ch := map[string]any{"locale": name}
	if env.Test {
		return state.Pending(fmt.Sprintf("Locale %s needs to be generated", name), nil)
	}
	if !hostcmd.Has(env, "locale-gen") {
		return state.Failedf("Cannot generate locale %s: locale-gen is not installed (install the locales package)", name)
	}
	cur, err := os.ReadFile(state.HostPath(env, "/etc/locale.gen"))
	if err != nil && !os.IsNotExist(err) {
		return state.Failedf("Failed to read /etc/locale.gen: %v", err)
	}
	if next := enable(string(cur), name); next != string(cur) {
		if err := state.WriteFile(env, "/etc/locale.gen", []byte(next), 0, -1, -1); err != nil {
			return state.Failedf("Failed to enable locale %s: %v", name, err)
		}
	}
	if _, err := hostcmd.Output(ctx, env, nil, "locale-gen"); err != nil {
		return state.Failedf("Failed to generate locale %s: %v", name, err)
	}
	if ok, _ := available(ctx, env, name); !ok {
		return state.Failedf("Failed to generate locale %s: locale-gen ran but `locale -a` does not list it", name)
	}
	return state.Changed(fmt.Sprintf("Generated locale %s", name), ch)
}

// systemLocale is Salt's locale.get_locale: localectl's LANG on a host
// booted with systemd, else the first LANG= line of /etc/default/locale
// (quotes removed).
func systemLocale(ctx context.Context, env *state.Env, systemd bool) (string, error) {
	if systemd {
		out, err := hostcmd.Output(ctx, env, nil, "localectl", "status")
		if err != nil {
			return "", err
		}
		for _, l := range strings.Split(out, "\n") {
			if _, v, ok := strings.Cut(l, "LANG="); ok {
				return strings.TrimSpace(v), nil
			}
		}
		return "", nil
	}
	b, _ := os.ReadFile(state.HostPath(env, "/etc/default/locale"))
	for _, l := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(l, "LANG="); ok {
			v, _, _ = strings.Cut(v, "=")
			return strings.ReplaceAll(v, `"`, ""), nil
		}
	}
	return "", nil
}

// system is Salt's locale.system: with systemd running, localectl
// set-locale; otherwise (Debian) update-locale, then every LANG= line of
// /etc/default/locale becomes LANG="NAME" (appended when there is none).
func system(ctx context.Context, env *state.Env, c lowstate.Chunk) *lowstate.Result {
	name := c.Name()
	fi, err := os.Stat(state.HostPath(env, "/run/systemd/system"))
	systemd := err == nil && fi.IsDir()
	cur, err := systemLocale(ctx, env, systemd)
	if err != nil {
		return state.Failedf("Failed to set system locale: %v", err)
	}
	if cur == name {
		return state.OK(fmt.Sprintf("System locale %s already set", name))
	}
	if env.Test {
		return state.Pending(fmt.Sprintf("System locale %s needs to be set", name), nil)
	}
	if systemd {
		if _, err := hostcmd.Output(ctx, env, nil, "localectl", "set-locale", "LANG="+name); err != nil {
			return state.Failedf("Failed to set system locale to %s", name)
		}
		return state.Changed(fmt.Sprintf("Set system locale %s", name), map[string]any{"locale": name})
	}
	upd := hostcmd.Which(env, "update-locale")
	if upd == "" {
		return state.Failed(`Failed to set system locale: Cannot set locale: "update-locale" was not found.`)
	}
	if _, err := hostcmd.Output(ctx, env, nil, upd); err != nil {
		return state.Failedf("Failed to set system locale: %v", err)
	}
	const file = "/etc/default/locale"
	b, _ := os.ReadFile(state.HostPath(env, file))
	text, found := string(b), false
	lines := strings.SplitAfter(text, "\n")
	for i, l := range lines {
		if strings.HasPrefix(l, "LANG=") {
			found = true
			nl := ""
			if strings.HasSuffix(l, "\n") {
				nl = "\n"
			}
			lines[i] = `LANG="` + name + `"` + nl
		}
	}
	text = strings.Join(lines, "")
	if !found {
		if text != "" && !strings.HasSuffix(text, "\n") {
			text += "\n"
		}
		text += `LANG="` + name + `"` + "\n"
	}
	if err := state.WriteFile(env, file, []byte(text), 0, -1, -1); err != nil {
		return state.Failedf("Failed to set system locale to %s", name)
	}
	if got, _ := systemLocale(ctx, env, false); got != name {
		return state.Failedf("Failed to set system locale to %s", name)
	}
	return state.Changed(fmt.Sprintf("Set system locale %s", name), map[string]any{"locale": name})
}
