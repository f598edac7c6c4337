// Package pkgrepo implements Salt's pkgrepo states for apt: managed (a deb
// line in a sources.list.d file, its signing key in /etc/apt/keyrings with
// signed-by on the line, apt-get update on change) and absent.
package pkgrepo

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path"
	"regexp"
	"strings"

	"brine/provision/host/state"
	"brine/provision/host/state/fetch"
	"brine/provision/host/state/hostcmd"
	"brine/provision/wire/lowstate"
)

// Module returns the pkgrepo state module.
func Module() *state.Module {
	return &state.Module{Spec: Spec(), Funcs: map[string]state.Func{
		"managed": managed,
		"absent":  absent,
	}}
}

// Source is one deb/deb-src line.
type Source struct {
	Type    string   // deb or deb-src
	Options []string // [arch=amd64 signed-by=...]
	URI     string
	Dist    string
	Comps   []string
}

// String renders the line.
func (s Source) String() string {
	parts := []string{s.Type}
	if len(s.Options) > 0 {
		parts = append(parts, "["+strings.Join(s.Options, " ")+"]")
	}
	parts = append(parts, s.URI, s.Dist)
	parts = append(parts, s.Comps...)
	return strings.Join(parts, " ")
}

// same reports whether two lines name the same repository (type, uri, dist).
func (s Source) same(o Source) bool {
	return s.Type == o.Type && strings.TrimSuffix(s.URI, "/") == strings.TrimSuffix(o.URI, "/") && s.Dist == o.Dist
}

// Parse parses a deb line; ok is false for comments and other lines.
func Parse(line string) (Source, bool) {
	line = strings.TrimSpace(line)
	var s Source
	f := strings.Fields(line)
	if len(f) < 3 || (f[0] != "deb" && f[0] != "deb-src") {
		return s, false
	}
	s.Type = f[0]
	rest := strings.TrimSpace(line[len(f[0]):])
	if strings.HasPrefix(rest, "[") {
		end := strings.IndexByte(rest, ']')
		if end < 0 {
			return s, false
		}
		s.Options = strings.Fields(rest[1:end])
		rest = rest[end+1:]
	}
	f = strings.Fields(rest)
	if len(f) < 2 {
		return s, false
	}
	s.URI, s.Dist, s.Comps = f[0], f[1], f[2:]
	return s, true
}

var nonWord = regexp.MustCompile(`[^A-Za-z0-9.-]+`)

// baseName derives a file name from the repository URI:
// "https://download.docker.com/linux/debian" -> "download.docker.com_linux_debian".
func baseName(s Source) string {
	u := s.URI
	if i := strings.Index(u, "://"); i >= 0 {
		u = u[i+3:]
	}
	return strings.Trim(nonWord.ReplaceAllString(u, "_"), "_.")
}

func setOption(opts []string, key, value string) []string {
	var out []string
	for _, o := range opts {
		if !strings.HasPrefix(o, key+"=") {
			out = append(out, o)
		}
	}
	return append(out, key+"="+value)
}

// hasOption reports whether opts sets key ("signed-by").
func hasOption(opts []string, key string) bool {
	for _, o := range opts {
		if strings.HasPrefix(o, key+"=") {
			return true
		}
	}
	return false
}

// spec is what a managed/absent state asks for.
type spec struct {
	src     Source
	file    string
	keyring string
	keyURL  string
	// aptKey: the host has apt-key, so a key_url key is added to apt's
	// trusted keys and the line written as given (Salt's mod_repo with
	// aptkey); without it the key goes to keyring, named by signed-by
	aptKey bool
	// noAptKey: the host has no apt-key (Debian 13): Salt's mod_repo
	// then refuses a line without signed-by
	noAptKey bool
	// line is the line written: the state's name as given when no
	// argument changes it (Salt writes the repo line verbatim)
	line string
}

func parseSpec(env *state.Env, c lowstate.Chunk) (spec, error) {
	var sp spec
	name := strings.TrimSpace(c.Name())
	src, ok := Parse(name)
	if !ok {
		return sp, fmt.Errorf("pkgrepo name %q is not an apt source line: use 'deb [options] URI DIST COMPONENTS'", name)
	}
	if d := c.Str("dist"); d != "" {
		src.Dist = d
	}
	if state.HasArg(c, "comps") {
		var comps []string
		for _, x := range state.ArgList(c, "comps") {
			comps = append(comps, strings.FieldsFunc(x, func(r rune) bool { return r == ',' || r == ' ' })...)
		}
		src.Comps = comps
	}
	if a := c.Str("architectures"); a != "" {
		src.Options = setOption(src.Options, "arch", a)
	}
	base := baseName(src)
	sp.file = c.Str("file")
	if sp.file == "" {
		sp.file = "/etc/apt/sources.list.d/" + base + ".list"
	}
	if !path.IsAbs(sp.file) {
		return sp, fmt.Errorf("pkgrepo file %q must be an absolute path", sp.file)
	}
	sp.keyURL = c.Str("key_url")
	sp.keyring = c.Str("keyring")
	if sp.keyring == "" {
		sp.keyring = c.Str("signedby")
	}
	changed := state.HasArg(c, "dist") || state.HasArg(c, "comps") || c.Str("architectures") != ""
	fi, err := os.Stat(state.HostPath(env, "/usr/bin/apt-key"))
	sp.noAptKey = err != nil || fi.IsDir()
	if sp.keyURL != "" && sp.keyring == "" && !sp.noAptKey {
		sp.aptKey = true
	}
	if sp.keyring != "" {
		src.Options = setOption(src.Options, "signed-by", sp.keyring)
		changed = true
	}
	sp.src = src
	sp.line = name
	if changed {
		sp.line = src.String()
	}
	return sp, nil
}

// matches is Salt's get_repo: the same type, uri and dist, and one of the
// wanted components (any, when none is named).
func (s Source) matches(want Source) bool {
	if !s.same(want) {
		return false
	}
	if len(want.Comps) == 0 {
		return true
	}
	for _, c := range want.Comps {
		for _, h := range s.Comps {
			if c == h {
				return true
			}
		}
	}
	return false
}

func readLines(env *state.Env, p string) ([]string, bool, error) {
	b, err := os.ReadFile(state.HostPath(env, p))
	if os.IsNotExist(err) {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, err
	}
	s := strings.TrimSuffix(string(b), "\n")
	if s == "" {
		return nil, true, nil
	}
	return strings.Split(s, "\n"), true, nil
}

func managed(ctx context.Context, env *state.Env, c lowstate.Chunk) *lowstate.Result {
	name := c.Name()
	sp, err := parseSpec(env, c)
	if err != nil {
		return state.Failed(err.Error())
	}
	ch := map[string]any{}
	var key []byte
	keyTodo := false
	switch {
	case sp.aptKey && c.Str(lowstate.KeyUnfetched) == "" && sp.keyURL != "" && !env.Test:
		// added with apt-key when the line is written (Salt's mod_repo)
		if key, err = fetch.Source(ctx, env, c, sp.keyURL); err != nil {
			return state.Failedf("Failed to configure repo '%s': Error: file not found: %s", name, sp.keyURL)
		}
	case sp.aptKey, sp.keyring == "":
		// no apt-key and no keyring: Salt's mod_repo refuses the line
		// below, before it would fetch the key
	case sp.keyURL != "" && c.Str(lowstate.KeyUnfetched) != "":
		// A dry run downloads nothing: a keyring in place is taken as the
		// key (Salt does not fetch the key of a configured repo either).
		if _, err := os.Stat(state.HostPath(env, sp.keyring)); err != nil {
			keyTodo = true
			ch["key"] = sp.keyring
		}
	case sp.keyURL != "":
		key, err = fetch.Source(ctx, env, c, sp.keyURL)
		if err != nil {
			return state.Failedf("Failed to fetch the signing key of %s: %v", name, err)
		}
		cur, _ := os.ReadFile(state.HostPath(env, sp.keyring))
		keyTodo = !bytes.Equal(cur, key)
		if keyTodo {
			ch["key"] = sp.keyring
		}
	}
	lines, _, err := readLines(env, sp.file)
	if err != nil {
		return state.Failedf("Failed to read %s: %v", sp.file, err)
	}
	want := sp.line
	found, lineTodo := false, false
	var out []string
	for _, l := range lines {
		if s, ok := Parse(l); ok && s.same(sp.src) {
			if found {
				lineTodo = true // drop duplicates
				continue
			}
			found = true
			if cur, _ := Parse(l); strings.TrimSpace(l) != want && !sameLine(cur, sp.src) {
				l, lineTodo = want, true
			}
		}
		out = append(out, l)
	}
	if !found {
		out, lineTodo = append(out, want), true
	}
	if lineTodo {
		ch["repo"] = want
	}
	if len(ch) == 0 {
		return state.OK(fmt.Sprintf("Package repo '%s' already configured", name))
	}
	if env.Test {
		return state.Pending(fmt.Sprintf("Package repo '%s' would be configured. This may cause pkg states to behave differently than stated if this action is repeated without test=True, due to the differences in the configured repositories.", name), ch)
	}
	if sp.noAptKey && !hasOption(sp.src.Options, "signed-by") {
		// salt/modules/aptpkg.py mod_repo on a host without apt-key
		// (Debian 13): a repository apt could not verify is not written
		return state.Failedf("Failed to configure repo '%s': missing 'signedby' option when apt-key is missing", name)
	}
	if sp.aptKey && key != nil {
		if r := aptKeyAdd(ctx, env, key, name, sp.keyURL); r != nil {
			return r
		}
	}
	if keyTodo {
		if err := os.MkdirAll(state.HostPath(env, path.Dir(sp.keyring)), 0o755); err != nil {
			return state.Failedf("Failed to create %s: %v", path.Dir(sp.keyring), err)
		}
		if err := state.WriteFile(env, sp.keyring, key, 0o644, -1, -1); err != nil {
			return state.Failedf("Failed to write the signing key: %v", err)
		}
	}
	if lineTodo {
		if err := os.MkdirAll(state.HostPath(env, path.Dir(sp.file)), 0o755); err != nil {
			return state.Failedf("Failed to create %s: %v", path.Dir(sp.file), err)
		}
		if err := state.WriteFile(env, sp.file, []byte(strings.Join(out, "\n")+"\n"), 0o644, -1, -1); err != nil {
			return state.Failedf("Failed to configure repo '%s': %v", name, err)
		}
	}
	if state.ArgBool(c, "refresh", true) && state.ArgBool(c, "refresh_db", true) {
		if _, err := hostcmd.Output(ctx, env, map[string]string{"DEBIAN_FRONTEND": "noninteractive"}, "apt-get", "update", "-q"); err != nil {
			r := state.Failedf("Configured package repo '%s', but apt-get update failed: %v", name, err)
			r.Changes = ch
			return r
		}
		state.PkgRefreshed(env)
	}
	return state.Changed(fmt.Sprintf("Configured package repo '%s'", name), ch)
}

func absent(ctx context.Context, env *state.Env, c lowstate.Chunk) *lowstate.Result {
	name := c.Name()
	sp, err := parseSpec(env, c)
	if err != nil {
		return state.Failed(err.Error())
	}
	files := []string{sp.file}
	if c.Str("file") == "" {
		files = append(files, "/etc/apt/sources.list")
	}
	type edit struct {
		file  string
		lines []string
	}
	var edits []edit
	for _, f := range files {
		lines, exists, err := readLines(env, f)
		if err != nil {
			return state.Failedf("Failed to read %s: %v", f, err)
		}
		if !exists {
			continue
		}
		var keep []string
		for _, l := range lines {
			if s, ok := Parse(l); ok && s.matches(sp.src) {
				continue
			}
			keep = append(keep, l)
		}
		if len(keep) != len(lines) {
			edits = append(edits, edit{f, keep})
		}
	}
	if len(edits) == 0 {
		return state.OK(fmt.Sprintf("Package repo %s is absent", name))
	}
	ch := map[string]any{"repo": name}
	if env.Test {
		return state.Pending(fmt.Sprintf("Package repo '%s' will be removed. This may cause pkg states to behave differently than stated if this action is repeated without test=True, due to the differences in the configured repositories.", name), ch)
	}
	for _, e := range edits {
		var err error
		if len(e.lines) == 0 && e.file != "/etc/apt/sources.list" {
			err = os.Remove(state.HostPath(env, e.file))
		} else {
			data := strings.Join(e.lines, "\n")
			if data != "" {
				data += "\n"
			}
			err = state.WriteFile(env, e.file, []byte(data), 0, -1, -1)
		}
		if err != nil {
			return state.Failedf("Failed to remove repo %s from %s: %v", name, e.file, err)
		}
	}
	return state.Changed(fmt.Sprintf("Removed package repo %s", name), ch)
}

// sameLine reports two lines that say the same: type, uri, dist, options
// and components (in any order).
func sameLine(a, b Source) bool {
	if !a.same(b) || len(a.Comps) != len(b.Comps) || len(a.Options) != len(b.Options) {
		return false
	}
	set := map[string]int{}
	for _, x := range append(append([]string{}, a.Comps...), a.Options...) {
		set[x]++
	}
	for _, x := range append(append([]string{}, b.Comps...), b.Options...) {
		set[x]--
	}
	for _, n := range set {
		if n != 0 {
			return false
		}
	}
	return true
}

// aptKeyAdd adds a signing key with apt-key, as Salt's mod_repo does on a
// host that has it: its output must start with OK.
func aptKeyAdd(ctx context.Context, env *state.Env, key []byte, name, keyURL string) *lowstate.Result {
	f, err := os.CreateTemp("", "brine-key-")
	if err != nil {
		return state.Failedf("Failed to configure repo '%s': %v", name, err)
	}
	defer os.Remove(f.Name())
	_, err = f.Write(key)
	f.Close()
	if err != nil {
		return state.Failedf("Failed to configure repo '%s': %v", name, err)
	}
	res := env.Exec.Run(ctx, state.Cmd{Argv: []string{"apt-key", "add", f.Name()}})
	if res.Err != nil || !strings.HasPrefix(strings.ToUpper(strings.TrimSpace(res.Stdout)), "OK") {
		return state.Failedf("Failed to configure repo '%s': Error: failed to add key from %s", name, keyURL)
	}
	return nil
}
