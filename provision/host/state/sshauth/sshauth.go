// Package sshauth implements Salt's ssh_auth states (present, absent) on a
// user's authorized_keys file as salt/states/ssh_auth.py and
// salt/modules/ssh.py (3007.1) do: the key parsed out of the state's name
// (or read from a salt:// source file), validated (a key that is not
// base64 fails), compared with the file's entries by key, and the file
// written with the ownership and modes sshd requires.
package sshauth

import (
	"context"
	"encoding/base64"
	"fmt"
	"os"
	"path"
	"regexp"
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

// Line renders the entry as Salt's _format_auth_line does: options, enc,
// key and comment, with the space before the comment even when it is
// empty.
func (k Key) Line() string {
	s := ""
	if len(k.Options) > 0 {
		s = strings.Join(k.Options, ",") + " "
	}
	return s + k.Enc + " " + k.Key + " " + k.Comment
}

// String renders the entry as an authorized_keys line without a trailing
// space.
func (k Key) String() string { return strings.TrimRight(k.Line(), " ") }

// Salt's patterns: a whole key line (options, enc, key, comment), the line
// _validate_keys accepts, a line that starts with a key type.
var (
	nameRe  = regexp.MustCompile(`^(.*?)\s?((?:sk-)?(?:ssh\-|ecds)[\w-]+\s.+)$`)
	lineRe  = regexp.MustCompile(`^(.*?)\s?((?:sk-)?(?:ssh\-|ecds)[\w@.-]+\s.+)$`)
	keyLine = regexp.MustCompile(`^(sk-)?(ssh\-|ecds).*`)
)

// ParseLine parses an authorized_keys line as _validate_keys does; ok is
// false for comments, blanks, garbage and keys that are not base64.
func ParseLine(line string) (Key, bool) {
	line = strings.TrimSpace(line)
	if line == "" || strings.HasPrefix(line, "#") {
		return Key{}, false
	}
	m := lineRe.FindStringSubmatch(line)
	if m == nil {
		return Key{}, false
	}
	comps := strings.Fields(m[2])
	if len(comps) < 2 || !validKey(comps[1]) {
		return Key{}, false
	}
	k := Key{Enc: comps[0], Key: comps[1], Comment: strings.Join(comps[2:], " ")}
	if m[1] != "" {
		k.Options = strings.Split(m[1], ",")
	}
	return k, true
}

// validKey is Salt's _fingerprint succeeding: strict base64.
func validKey(k string) bool {
	_, err := base64.StdEncoding.Strict().DecodeString(k)
	return err == nil
}

// refineEnc is Salt's _refine_enc; ok is false for an unknown type.
func refineEnc(enc string) (string, bool) {
	switch enc {
	case "r", "rsa", "ssh-rsa":
		return "ssh-rsa", true
	case "d", "dsa", "dss", "ssh-dss":
		return "ssh-dss", true
	case "e", "ecdsa":
		return "ecdsa-sha2-nistp256", true
	case "ecdsa-sha2-nistp521", "ecdsa-sha2-nistp384", "ecdsa-sha2-nistp256":
		return enc, true
	case "ed25519", "ssh-ed25519":
		return "ssh-ed25519", true
	case "rsa-sha2-512", "rsa-sha2-256", "rsa-sha2-512-cert-v01@openssh.com", "rsa-sha2-256-cert-v01@openssh.com",
		"ssh-rsa-cert-v01@openssh.com", "ecdsa-sha2-nistp256-cert-v01@openssh.com", "ecdsa-sha2-nistp384-cert-v01@openssh.com",
		"ecdsa-sha2-nistp521-cert-v01@openssh.com", "sk-ecdsa-sha2-nistp256@openssh.com", "sk-ecdsa-sha2-nistp256-cert-v01@openssh.com",
		"ssh-ed25519-cert-v01@openssh.com", "sk-ssh-ed25519@openssh.com", "sk-ssh-ed25519-cert-v01@openssh.com":
		return enc, true
	}
	return "", false
}

// stateKey is the key a state names: the state's name parsed as the
// states do (a whole "options enc key comment" line, or "key [comment]"),
// its enc, comment and options arguments filling what the name does not
// say. maxComps is how the state splits the key part (present: 3, its
// test and absent: no limit, where a comment of several words is dropped).
func stateKey(c lowstate.Chunk, limit bool) Key {
	k := Key{Enc: "ssh-rsa", Comment: state.ArgStr(c, "comment"), Options: state.ArgList(c, "options")}
	if e := state.ArgStr(c, "enc"); e != "" {
		k.Enc = e
	}
	name := c.Name()
	m := nameRe.FindStringSubmatch(name)
	if m == nil {
		var parts []string
		if limit {
			parts = strings.SplitN(strings.TrimSpace(name), " ", 2)
			if len(parts) == 2 {
				parts[1] = strings.TrimSpace(parts[1])
			}
		} else {
			parts = strings.Fields(name)
		}
		if len(parts) > 0 {
			k.Key = parts[0]
		}
		if len(parts) == 2 {
			k.Comment = parts[1]
		}
		return k
	}
	if m[1] != "" {
		k.Options = strings.Split(m[1], ",")
	}
	var comps []string
	if limit {
		comps = splitN(m[2], 3)
	} else {
		comps = strings.Fields(m[2])
	}
	k.Enc, k.Key = comps[0], comps[1]
	if len(comps) == 3 {
		k.Comment = comps[2]
	}
	return k
}

// splitN is Python's str.split(None, n-1).
func splitN(s string, n int) []string {
	var out []string
	s = strings.TrimLeft(s, " \t\n")
	for len(out) < n-1 {
		i := strings.IndexAny(s, " \t\n")
		if i < 0 {
			break
		}
		out = append(out, s[:i])
		s = strings.TrimLeft(s[i:], " \t\n")
	}
	if s != "" {
		out = append(out, s)
	}
	return out
}

// keysFile resolves the user and the authorized_keys path (config,
// relative to the home directory, %h, %u and %% expanded: Salt's
// _get_config_file); ok is false when the user does not exist.
func keysFile(env *state.Env, c lowstate.Chunk) (state.User, string, bool) {
	u, err := state.FindUser(env, state.ArgStr(c, "user"))
	if err != nil || u == nil {
		return state.User{}, "", false
	}
	cfg := state.ArgStr(c, "config")
	if cfg == "" {
		cfg = ".ssh/authorized_keys"
	}
	var b strings.Builder
	for i := 0; i < len(cfg); i++ {
		if cfg[i] == '%' && i+1 < len(cfg) {
			switch cfg[i+1] {
			case 'h':
				b.WriteString(u.Home)
			case 'u':
				b.WriteString(u.Name)
			default:
				b.WriteByte(cfg[i+1])
			}
			i++
			continue
		}
		b.WriteByte(cfg[i])
	}
	p := b.String()
	if !path.IsAbs(p) {
		p = path.Join(u.Home, p)
	}
	return *u, p, true
}

// current is Salt's auth_keys: the file's valid entries by key (empty when
// the user or the file is missing).
func current(env *state.Env, c lowstate.Chunk) map[string]Key {
	out := map[string]Key{}
	_, p, ok := keysFile(env, c)
	if !ok {
		return out
	}
	b, err := os.ReadFile(state.HostPath(env, p))
	if err != nil {
		return out
	}
	for _, l := range strings.Split(string(b), "\n") {
		if k, ok := ParseLine(l); ok {
			out[k.Key] = k
		}
	}
	return out
}

// checkKey is Salt's ssh.check_key: "add", "update" or "exists".
func checkKey(env *state.Env, c lowstate.Chunk, want Key) string {
	if e, ok := refineEnc(want.Enc); ok {
		want.Enc = e
	}
	cur, ok := current(env, c)[want.Key]
	if !ok {
		return "add"
	}
	if cur.Line() != want.Line() {
		return "update"
	}
	return "exists"
}

// sourceKeys is the keys of the state's source file, as _validate_keys
// reads them, in file order; missing is true when the compiler found no
// such file.
func sourceKeys(env *state.Env, c lowstate.Chunk) (text string, keys []Key, missing bool) {
	h := c.Str(lowstate.KeyFile)
	if h == "" || env.File == nil {
		return "", nil, true
	}
	b, err := env.File(h)
	if err != nil {
		return "", nil, true
	}
	seen := map[string]int{}
	for _, l := range strings.Split(string(b), "\n") {
		k, ok := ParseLine(l)
		if !ok {
			continue
		}
		if i, dup := seen[k.Key]; dup {
			keys[i] = k
			continue
		}
		seen[k.Key] = len(keys)
		keys = append(keys, k)
	}
	return string(b), keys, false
}

// noKeys is check_key_file's and set_auth_key_from_file's error.
func noKeys(src string) string {
	return fmt.Sprintf("No keys detected in %s. Is file properly formatted?", src)
}

// readLines reads the authorized_keys file as Salt rewrites it: each line
// stripped, blank lines dropped.
func readLines(env *state.Env, p string) ([]string, bool, error) {
	b, err := os.ReadFile(state.HostPath(env, p))
	if os.IsNotExist(err) {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, err
	}
	var out []string
	for _, l := range strings.Split(string(b), "\n") {
		if l = strings.TrimSpace(l); l != "" {
			out = append(out, l)
		}
	}
	return out, true, nil
}

// rewrite writes lines back in place (Salt opens the file for writing:
// owner and mode stay).
func rewrite(env *state.Env, p string, lines []string) error {
	data := ""
	for _, l := range lines {
		data += l + "\n"
	}
	return state.WriteFile(env, p, []byte(data), 0, -1, -1)
}

// setAuthKey is Salt's ssh.set_auth_key: "invalid", "fail", "Invalid
// public key", "replace", "no change" or "new".
func setAuthKey(env *state.Env, c lowstate.Chunk, want Key) (string, error) {
	if len(strings.Fields(want.Key)) > 1 {
		return "invalid", nil
	}
	enc, ok := refineEnc(want.Enc)
	if !ok {
		return "", fmt.Errorf("Incorrect encryption key type '%s'.", want.Enc)
	}
	want.Enc = enc
	u, p, ok := keysFile(env, c)
	if !ok {
		return "fail", nil
	}
	if !validKey(want.Key) {
		return "Invalid public key", nil
	}
	switch checkKey(env, c, want) {
	case "update":
		lines, _, err := readLines(env, p)
		if err != nil {
			return "", fmt.Errorf("Problem reading or writing to key file: %v", err)
		}
		for i, l := range lines {
			if strings.HasPrefix(l, "#") {
				continue
			}
			if k, ok := ParseLine(l); ok && k.Key == want.Key {
				lines[i] = want.Line()
			}
		}
		if err := rewrite(env, p, lines); err != nil {
			return "", fmt.Errorf("Problem reading or writing to key file: %v", err)
		}
		return "replace", nil
	case "exists":
		return "no change", nil
	}
	if strings.HasPrefix(p, u.Home) {
		if fi, err := os.Stat(state.HostPath(env, u.Home)); err != nil || !fi.IsDir() {
			return "fail", nil
		}
	}
	hd := state.HostPath(env, path.Dir(p))
	if fi, err := os.Stat(hd); err != nil || !fi.IsDir() {
		if err := os.MkdirAll(hd, 0o700); err != nil {
			return "", fmt.Errorf("Could not write to key file: %v", err)
		}
		if os.Geteuid() == 0 {
			_ = os.Chown(hd, u.UID, u.GID)
		}
		_ = os.Chmod(hd, 0o700)
	}
	hp := state.HostPath(env, p)
	old, err := os.ReadFile(hp)
	isNew := os.IsNotExist(err)
	if err != nil && !isNew {
		return "", fmt.Errorf("Could not write to key file: %v", err)
	}
	data := string(old)
	if data != "" && !strings.HasSuffix(data, "\n") {
		data += "\n"
	}
	data += want.Line() + "\n"
	uid, gid := -1, -1
	var mode os.FileMode
	if isNew {
		mode = 0o600
		if os.Geteuid() == 0 {
			uid, gid = u.UID, u.GID
		}
	}
	if err := state.WriteFile(env, p, []byte(data), mode, uid, gid); err != nil {
		return "", fmt.Errorf("Could not write to key file: %v", err)
	}
	return "new", nil
}

// present is Salt's ssh_auth.present.
func present(_ context.Context, env *state.Env, c lowstate.Chunk) *lowstate.Result {
	user := state.ArgStr(c, "user")
	src := state.ArgStr(c, "source")
	if env.Test {
		return presentTest(env, c, user, src)
	}
	name := c.Name()
	var data string
	var err error
	if src != "" {
		text, keys, missing := sourceKeys(env, c)
		if missing {
			return state.Failed(fmt.Sprintf("Failed to add the ssh key. Source file %s is missing", src))
		}
		// Salt reads the file line by line: a line that is not a key
		// (a comment) sets every key of the file (set_auth_key_from_file),
		// a key line sets its key; the state answers with the last
		// line's outcome
		for _, l := range strings.Split(strings.TrimRight(text, " \t\r\n"), "\n") {
			if !keyLine.MatchString(l) {
				data, err = setFromFile(env, c, keys)
			} else {
				f := strings.Split(l, " ")
				if len(f) < 2 {
					return state.Failed("Invalid public ssh key, most likely has spaces or invalid syntax")
				}
				k := Key{Enc: f[0], Key: f[1], Options: state.ArgList(c, "options")}
				if len(f) > 2 {
					k.Comment = f[2]
				}
				data, err = setAuthKey(env, c, k)
			}
			if err != nil {
				return state.Failed(err.Error())
			}
		}
		if data == "fail" && len(keys) == 0 {
			return state.Failed(noKeys(src))
		}
	} else {
		want := stateKey(c, true)
		name = want.Key
		if data, err = setAuthKey(env, c, want); err != nil {
			return state.Failed(err.Error())
		}
	}
	switch data {
	case "replace":
		return state.Changed(fmt.Sprintf("The authorized host key %s for user %s was updated", name, user), map[string]any{name: "Updated"})
	case "no change":
		return state.OK(fmt.Sprintf("The authorized host key %s is already present for user %s", name, user))
	case "new":
		return state.Changed(fmt.Sprintf("The authorized host key %s for user %s was added", name, user), map[string]any{name: "New"})
	case "fail":
		return state.Failed("Failed to add the ssh key. Is the home directory available, and/or does the key file exist?")
	case "invalid", "Invalid public key":
		return state.Failed("Invalid public ssh key, most likely has spaces or invalid syntax")
	}
	return state.OK("")
}

// setFromFile is Salt's ssh.set_auth_key_from_file over the source's keys.
func setFromFile(env *state.Env, c lowstate.Chunk, keys []Key) (string, error) {
	if len(keys) == 0 {
		return "fail", nil
	}
	var all string
	for _, k := range keys {
		r, err := setAuthKey(env, c, k)
		if err != nil {
			return "", err
		}
		all += r
	}
	switch {
	case strings.Contains(all, "fail"):
		return "fail", nil
	case strings.Contains(all, "replace"):
		return "replace", nil
	case strings.Contains(all, "new"):
		return "new", nil
	}
	return "no change", nil
}

// presentTest is Salt's _present_test.
func presentTest(env *state.Env, c lowstate.Chunk, user, src string) *lowstate.Result {
	if src != "" {
		_, keys, missing := sourceKeys(env, c)
		if !missing && len(keys) == 0 {
			return state.Failed(noKeys(src))
		}
		comment := ""
		for _, k := range keys {
			if st := checkKey(env, c, k); st != "exists" {
				comment += fmt.Sprintf("Set to %s: %s\n", st, k.Key)
			}
		}
		if comment != "" {
			return state.Pending(comment, nil)
		}
		return state.OK(fmt.Sprintf("All host keys in file %s are already present", src))
	}
	want := stateKey(c, false)
	switch checkKey(env, c, want) {
	case "update":
		return state.Pending(fmt.Sprintf("Key %s for user %s is set to be updated", want.Key, user), nil)
	case "add":
		return state.Pending(fmt.Sprintf("Key %s for user %s is set to be added", want.Key, user), nil)
	}
	return state.OK(fmt.Sprintf("The authorized host key %s is already present for user %s", want.Key, user))
}

// rmAuthKey is Salt's ssh.rm_auth_key: "Key removed", "Key not present",
// "Key not removed" or the file's absence.
func rmAuthKey(env *state.Env, c lowstate.Chunk, key string) string {
	if _, ok := current(env, c)[key]; !ok {
		return "Key not present"
	}
	_, p, _ := keysFile(env, c)
	lines, exists, err := readLines(env, p)
	if !exists {
		return fmt.Sprintf("Authorized keys file %s not present", p)
	}
	if err != nil {
		return "Key not removed"
	}
	var kept []string
	for _, l := range lines {
		if strings.HasPrefix(l, "#") {
			kept = append(kept, l)
			continue
		}
		m := lineRe.FindStringSubmatch(l)
		if m == nil {
			continue // Salt drops what is neither a comment nor a key
		}
		comps := strings.Fields(m[2])
		if len(comps) < 2 {
			kept = append(kept, l)
			continue
		}
		if comps[1] == key {
			continue
		}
		kept = append(kept, l)
	}
	if err := rewrite(env, p, kept); err != nil {
		return "Key not removed"
	}
	return "Key removed"
}

// absent is Salt's ssh_auth.absent.
func absent(_ context.Context, env *state.Env, c lowstate.Chunk) *lowstate.Result {
	user := state.ArgStr(c, "user")
	src := state.ArgStr(c, "source")
	name := c.Name()
	if env.Test {
		if src != "" {
			_, keys, missing := sourceKeys(env, c)
			if !missing && len(keys) == 0 {
				return state.Failed(noKeys(src))
			}
			comment := ""
			for _, k := range keys {
				if checkKey(env, c, k) != "add" {
					comment += fmt.Sprintf("Set to remove: %s\n", k.Key)
				}
			}
			if comment != "" {
				return state.Pending(comment, nil)
			}
			return state.OK(fmt.Sprintf("All host keys in file %s are already absent", src))
		}
		want := stateKey(c, false)
		if st := checkKey(env, c, want); st == "update" || st == "exists" {
			return state.Pending(fmt.Sprintf("Key %s for user %s is set for removal", want.Key, user), nil)
		}
		return state.OK("Key is already absent")
	}
	var comment string
	if src != "" {
		text, keys, missing := sourceKeys(env, c)
		if missing {
			return state.Failed(fmt.Sprintf("Failed to remove the ssh key. Source file %s is missing", src))
		}
		for _, l := range strings.Split(strings.TrimRight(text, " \t\r\n"), "\n") {
			if !keyLine.MatchString(l) {
				// rm_auth_key_from_file
				if len(keys) == 0 {
					comment = "fail"
					continue
				}
				all := ""
				for _, k := range keys {
					all += rmAuthKey(env, c, k.Key)
				}
				switch {
				case strings.Contains(all, "Key not removed"):
					comment = "Key not removed"
				case strings.Contains(all, "Key removed"):
					comment = "Key removed"
				default:
					comment = "Key not present"
				}
				continue
			}
			if f := strings.Split(l, " "); len(f) > 1 {
				comment = rmAuthKey(env, c, f[1])
			}
		}
	} else {
		want := stateKey(c, false)
		name = want.Key
		comment = rmAuthKey(env, c, want.Key)
	}
	if comment == "Key removed" {
		return state.Changed(comment, map[string]any{name: "Removed"})
	}
	return state.OK(comment)
}
