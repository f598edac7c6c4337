// Package sshauth implements Salt's ssh_auth states (present, absent) on a
// user's authorized_keys file, with the ownership and modes sshd requires.
package sshauth

import (
	"context"
	"fmt"
	"os"
	"path"
	"strings"

	"brine/provision/host/state"
	"brine/provision/wire/lowstate"
)

// Module returns the ssh_auth state module.
func Module() *state.Module {
	return &state.Module{Spec: Spec(), Funcs: map[string]state.Func{
		"present": present,
		"absent":  absent,
	}}
}

// Key is one authorized_keys entry.
type Key struct {
	Options []string
	Enc     string
	Key     string
	Comment string
}

// String renders the entry as an authorized_keys line.
func (k Key) String() string {
	var parts []string
	if len(k.Options) > 0 {
		parts = append(parts, strings.Join(k.Options, ","))
	}
	parts = append(parts, k.Enc, k.Key)
	if k.Comment != "" {
		parts = append(parts, k.Comment)
	}
	return strings.Join(parts, " ")
}

// isEnc reports whether s names a key type (ssh-rsa, ecdsa-sha2-nistp256,
// sk-ssh-ed25519@openssh.com...).
func isEnc(s string) bool {
	return strings.HasPrefix(s, "ssh-") || strings.HasPrefix(s, "ecdsa-") || strings.HasPrefix(s, "sk-")
}

// splitOptions splits a leading options field, honouring quoted commas and
// spaces (command="a b",no-pty).
func splitOptions(line string) (opts []string, rest string) {
	inq := false
	start := 0
	for i, r := range line {
		switch {
		case r == '"':
			inq = !inq
		case r == ',' && !inq:
			opts = append(opts, line[start:i])
			start = i + 1
		case r == ' ' && !inq:
			opts = append(opts, line[start:i])
			return opts, strings.TrimSpace(line[i+1:])
		}
	}
	return append(opts, line[start:]), ""
}

// ParseLine parses an authorized_keys line; ok is false for comments,
// blanks and garbage.
func ParseLine(line string) (Key, bool) {
	line = strings.TrimSpace(line)
	if line == "" || strings.HasPrefix(line, "#") {
		return Key{}, false
	}
	var k Key
	if f := strings.Fields(line); !isEnc(f[0]) {
		k.Options, line = splitOptions(line)
	}
	f := strings.Fields(line)
	if len(f) < 2 || !isEnc(f[0]) {
		return Key{}, false
	}
	k.Enc, k.Key = f[0], f[1]
	k.Comment = strings.Join(f[2:], " ")
	return k, true
}

// wanted builds the key a state asks for: name is the bare key or a full
// authorized_keys line; enc, comment and options override.
func wanted(c lowstate.Chunk) (Key, error) {
	name := strings.TrimSpace(c.Name())
	var k Key
	if parsed, ok := ParseLine(name); ok {
		k = parsed
	} else if len(strings.Fields(name)) == 1 {
		k = Key{Enc: "ssh-rsa", Key: name}
	} else {
		return k, fmt.Errorf("invalid public key %q: expected 'ssh-ed25519 AAAA... comment' or the bare key with enc", name)
	}
	if e := c.Str("enc"); e != "" {
		if !isEnc(e) {
			switch e {
			case "ed25519", "rsa", "dss":
				e = "ssh-" + e
			case "ecdsa":
				e = "ecdsa-sha2-nistp256"
			}
		}
		k.Enc = e
	}
	if state.HasArg(c, "comment") {
		k.Comment = c.Str("comment")
	}
	if state.HasArg(c, "options") {
		k.Options = state.ArgList(c, "options")
	}
	return k, nil
}

// target resolves the user and the authorized_keys path (config, relative
// to the home directory, %h and %u expanded).
func target(env *state.Env, c lowstate.Chunk) (state.User, string, error) {
	name := c.Str("user")
	if name == "" {
		return state.User{}, "", fmt.Errorf("ssh_auth needs a user")
	}
	u, err := state.LookupUser(env, name)
	if err != nil || u.Home == "" {
		return u, "", fmt.Errorf("user %s does not exist", name)
	}
	cfg := c.Str("config")
	if cfg == "" {
		cfg = ".ssh/authorized_keys"
	}
	cfg = strings.ReplaceAll(strings.ReplaceAll(cfg, "%h", u.Home), "%u", u.Name)
	if !path.IsAbs(cfg) {
		cfg = path.Join(u.Home, cfg)
	}
	return u, path.Clean(cfg), nil
}

func readLines(env *state.Env, p string) ([]string, error) {
	b, err := os.ReadFile(state.HostPath(env, p))
	if os.IsNotExist(err) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	s := strings.TrimSuffix(string(b), "\n")
	if s == "" {
		return nil, nil
	}
	return strings.Split(s, "\n"), nil
}

// write stores the lines with the owner and modes sshd insists on: the
// directory 0700 when brine creates it, the file 0600, both owned by u.
func write(env *state.Env, u state.User, p string, lines []string) error {
	dir := path.Dir(p)
	hd := state.HostPath(env, dir)
	if _, err := os.Stat(hd); os.IsNotExist(err) {
		if err := os.MkdirAll(hd, 0o700); err != nil {
			return err
		}
		if err := os.Chown(hd, u.UID, u.GID); err != nil {
			return fmt.Errorf("chown %s: %w", dir, err)
		}
	}
	data := strings.Join(lines, "\n")
	if data != "" {
		data += "\n"
	}
	return state.WriteFile(env, p, []byte(data), 0o600, u.UID, u.GID)
}

// load reads what present and absent work on: the wanted key, the user and
// authorized_keys path it goes to, and the file's lines; or the failure.
func load(env *state.Env, c lowstate.Chunk) (want Key, u state.User, p string, lines []string, fail *lowstate.Result) {
	want, err := wanted(c)
	if err != nil {
		return want, u, p, nil, state.Failed(err.Error())
	}
	u, p, err = target(env, c)
	if err != nil {
		return want, u, p, nil, state.Failed(err.Error())
	}
	lines, err = readLines(env, p)
	if err != nil {
		return want, u, p, nil, state.Failedf("Failed to read %s: %v", p, err)
	}
	return want, u, p, lines, nil
}

func present(ctx context.Context, env *state.Env, c lowstate.Chunk) *lowstate.Result {
	name := c.Name()
	want, u, p, lines, fail := load(env, c)
	if fail != nil {
		return fail
	}
	status := "New"
	found := false
	for i, l := range lines {
		k, ok := ParseLine(l)
		if !ok || k.Key != want.Key {
			continue
		}
		if found {
			lines[i] = "" // duplicate of the same key
			status = "Updated"
			continue
		}
		found = true
		if k.String() == want.String() {
			status = ""
		} else {
			lines[i], status = want.String(), "Updated"
		}
	}
	fi, statErr := os.Stat(state.HostPath(env, p))
	permTodo := statErr == nil && fi.Mode().Perm() != 0o600
	if status == "" && !permTodo {
		return state.OK(fmt.Sprintf("The authorized host key %s is already present for user %s", name, u.Name))
	}
	if !found {
		lines = append(lines, want.String())
	}
	var kept []string
	for _, l := range lines {
		if l != "" {
			kept = append(kept, l)
		}
	}
	ch := map[string]any{}
	if status != "" {
		ch[name] = status
	} else {
		ch["mode"] = "0600"
	}
	if env.Test {
		verb := "added"
		if status != "New" {
			verb = "updated"
		}
		return state.Pending(fmt.Sprintf("Key %s for user %s is set to be %s", name, u.Name, verb), nil)
	}
	if err := write(env, u, p, kept); err != nil {
		return state.Failedf("Failed to write %s: %v", p, err)
	}
	if status == "New" {
		return state.Changed(fmt.Sprintf("The authorized host key %s for user %s was added", name, u.Name), ch)
	}
	return state.Changed(fmt.Sprintf("The authorized host key %s for user %s was updated", name, u.Name), ch)
}

func absent(ctx context.Context, env *state.Env, c lowstate.Chunk) *lowstate.Result {
	name := c.Name()
	want, u, p, lines, fail := load(env, c)
	if fail != nil {
		return fail
	}
	var kept []string
	for _, l := range lines {
		if k, ok := ParseLine(l); ok && k.Key == want.Key {
			continue
		}
		kept = append(kept, l)
	}
	if len(kept) == len(lines) {
		if env.Test {
			return state.OK("Key is already absent")
		}
		return state.OK("Key not present")
	}
	ch := map[string]any{name: "Removed"}
	if env.Test {
		return state.Pending(fmt.Sprintf("Key %s for user %s is set for removal", name, u.Name), nil)
	}
	if err := write(env, u, p, kept); err != nil {
		return state.Failedf("Failed to write %s: %v", p, err)
	}
	return state.Changed("Key removed", ch)
}
