package state

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"brine/provision/wire/lowstate"
	"brine/provision/wire/spec"
)

// ArgStr returns argument k of the chunk as a string ("" when absent).
func ArgStr(c lowstate.Chunk, k string) string { return c.Str(k) }

// HasArg reports whether the chunk sets argument k to a non-nil value.
func HasArg(c lowstate.Chunk, k string) bool {
	v, ok := c[k]
	return ok && v != nil
}

// ArgBool returns argument k as a bool; strings such as "true", "yes", "1"
// are accepted. def is returned when the argument is absent or unparsable.
func ArgBool(c lowstate.Chunk, k string, def bool) bool {
	v, ok := c[k]
	if !ok || v == nil {
		return def
	}
	return toBool(v, def)
}

func toBool(v any, def bool) bool {
	if b, ok := spec.ParseBool(v); ok {
		return b
	}
	return def
}

// ArgInt returns argument k as an int; def when absent or not a number.
func ArgInt(c lowstate.Chunk, k string, def int) int {
	v, ok := c[k]
	if !ok || v == nil {
		return def
	}
	n, ok := toInt(v)
	if !ok {
		return def
	}
	return n
}

func toInt(v any) (int, bool) { return spec.ParseInt(v) }

// ArgFloat returns argument k as a float64; def when absent or not a number.
func ArgFloat(c lowstate.Chunk, k string, def float64) float64 {
	v, ok := c[k]
	if !ok || v == nil {
		return def
	}
	if f, ok := spec.ParseFloat(v); ok {
		return f
	}
	return def
}

// ArgList returns argument k as a list of strings: a single string becomes a
// one-element list, list items are formatted like Chunk.Str. Absent -> nil.
func ArgList(c lowstate.Chunk, k string) []string {
	v, ok := c[k]
	if !ok || v == nil {
		return nil
	}
	return ToStrings(v)
}

// ToStrings converts a scalar or a list to a list of strings.
func ToStrings(v any) []string {
	switch t := v.(type) {
	case nil:
		return nil
	case []string:
		return append([]string(nil), t...)
	case []any:
		out := make([]string, 0, len(t))
		for _, e := range t {
			out = append(out, Scalar(e))
		}
		return out
	default:
		return []string{Scalar(t)}
	}
}

// Scalar formats a scalar the way Chunk.Str does (integral floats without
// a decimal point).
func Scalar(v any) string {
	return lowstate.Chunk{"v": v}.Str("v")
}

// ArgMap returns argument k as a map. Salt also accepts a list of one-key
// maps (`- env: [{A: 1}, {B: 2}]`); both forms are merged into one map.
// Absent or another type -> nil.
func ArgMap(c lowstate.Chunk, k string) map[string]any {
	v, ok := c[k]
	if !ok || v == nil {
		return nil
	}
	return ToMap(v)
}

// ToMap converts a map or a list of one-key maps into one map (nil otherwise).
func ToMap(v any) map[string]any {
	m, _ := spec.ToMap(v)
	return m
}

// ArgStrMap returns argument k as a map of strings (see ArgMap).
func ArgStrMap(c lowstate.Chunk, k string) map[string]string {
	m := ArgMap(c, k)
	if m == nil {
		return nil
	}
	out := make(map[string]string, len(m))
	for k, v := range m {
		out[k] = Scalar(v)
	}
	return out
}

// ArgMode parses a file mode argument: "0644", "644", the YAML integer 644
// (read as octal digits, as Salt does) or "0o644". It returns the mode, its
// normalized four-digit form ("0644") and an error for a malformed mode.
// An absent argument returns (0, "", nil).
func ArgMode(c lowstate.Chunk, k string) (os.FileMode, string, error) {
	v, ok := c[k]
	if !ok || v == nil {
		return 0, "", nil
	}
	return ParseMode(Scalar(v))
}

// ParseMode parses a mode string like "644", "0644", "0o2755".
func ParseMode(s string) (os.FileMode, string, error) {
	if strings.TrimSpace(s) == "" {
		return 0, "", nil
	}
	n, err := spec.ParseMode(s)
	if err != nil {
		return 0, "", err
	}
	return ModeFromPerm(n), FormatMode(ModeFromPerm(n)), nil
}

// ModeFromPerm turns unix permission bits (0o4755) into an os.FileMode with
// setuid/setgid/sticky mapped to Go's flags.
func ModeFromPerm(n uint32) os.FileMode {
	m := os.FileMode(n & 0o777)
	if n&0o4000 != 0 {
		m |= os.ModeSetuid
	}
	if n&0o2000 != 0 {
		m |= os.ModeSetgid
	}
	if n&0o1000 != 0 {
		m |= os.ModeSticky
	}
	return m
}

// PermBits returns the unix permission bits (with setuid/setgid/sticky) of m.
func PermBits(m os.FileMode) uint32 {
	n := uint32(m.Perm())
	if m&os.ModeSetuid != 0 {
		n |= 0o4000
	}
	if m&os.ModeSetgid != 0 {
		n |= 0o2000
	}
	if m&os.ModeSticky != 0 {
		n |= 0o1000
	}
	return n
}

// FormatMode formats a mode the way Salt reports it: "0644", "2755".
func FormatMode(m os.FileMode) string {
	return fmt.Sprintf("%04o", PermBits(m))
}

// HostPath maps an absolute path on the target to the path the engine really
// touches: p under env.Root (tests), or p itself on a real run.
func HostPath(env *Env, p string) string {
	if env == nil || env.Root == "" {
		return filepath.Clean(p)
	}
	// clamp to the root: "/../x" maps to <Root>/x, never outside it
	return filepath.Join(env.Root, filepath.Clean("/"+p))
}

// Failed returns a failed result with comment.
func Failed(comment string) *lowstate.Result {
	return &lowstate.Result{Result: lowstate.Bool(false), Comment: comment, Changes: map[string]any{}}
}

// Failedf is Failed with a format string.
func Failedf(format string, a ...any) *lowstate.Result {
	return Failed(fmt.Sprintf(format, a...))
}

// OK returns a successful result without changes.
func OK(comment string) *lowstate.Result {
	return &lowstate.Result{Result: lowstate.Bool(true), Comment: comment, Changes: map[string]any{}}
}

// Changed returns a successful result with changes (nil changes become an
// empty map).
func Changed(comment string, changes map[string]any) *lowstate.Result {
	if changes == nil {
		changes = map[string]any{}
	}
	return &lowstate.Result{Result: lowstate.Bool(true), Comment: comment, Changes: changes}
}

// Pending returns the test-mode result for a predicted change: Result nil
// with the changes the real run would make.
func Pending(comment string, changes map[string]any) *lowstate.Result {
	if changes == nil {
		changes = map[string]any{}
	}
	return &lowstate.Result{Result: nil, Comment: comment, Changes: changes}
}

// User is one /etc/passwd entry.
type User struct {
	Name  string
	UID   int
	GID   int
	Gecos string
	Home  string
	Shell string
}

// Group is one /etc/group entry.
type Group struct {
	Name    string
	GID     int
	Members []string
}

// ErrNotFound is returned (wrapped) by the lookup helpers for a missing user
// or group.
var ErrNotFound = errors.New("not found")

// Users reads <Root>/etc/passwd.
func Users(env *Env) ([]User, error) {
	lines, err := readColonFile(HostPath(env, "/etc/passwd"))
	if err != nil {
		return nil, err
	}
	var out []User
	for _, f := range lines {
		if len(f) < 7 {
			continue
		}
		uid, err1 := strconv.Atoi(f[2])
		gid, err2 := strconv.Atoi(f[3])
		if err1 != nil || err2 != nil {
			continue
		}
		out = append(out, User{Name: f[0], UID: uid, GID: gid, Gecos: f[4], Home: f[5], Shell: f[6]})
	}
	return out, nil
}

// Groups reads <Root>/etc/group.
func Groups(env *Env) ([]Group, error) {
	lines, err := readColonFile(HostPath(env, "/etc/group"))
	if err != nil {
		return nil, err
	}
	var out []Group
	for _, f := range lines {
		if len(f) < 4 {
			continue
		}
		gid, err := strconv.Atoi(f[2])
		if err != nil {
			continue
		}
		var mem []string
		for _, m := range strings.Split(f[3], ",") {
			if m = strings.TrimSpace(m); m != "" {
				mem = append(mem, m)
			}
		}
		out = append(out, Group{Name: f[0], GID: gid, Members: mem})
	}
	return out, nil
}

func readColonFile(p string) ([][]string, error) {
	b, err := os.ReadFile(p)
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", p, err)
	}
	var out [][]string
	for _, l := range strings.Split(string(b), "\n") {
		l = strings.TrimSpace(l)
		if l == "" || strings.HasPrefix(l, "#") {
			continue
		}
		out = append(out, strings.Split(l, ":"))
	}
	return out, nil
}

// LookupUser finds a user by name or numeric uid in <Root>/etc/passwd. A
// numeric name that is not in the file is returned as a bare uid (gid -1).
func LookupUser(env *Env, name string) (User, error) {
	users, err := Users(env)
	if err != nil {
		return User{}, err
	}
	for _, u := range users {
		if u.Name == name {
			return u, nil
		}
	}
	if n, err := strconv.Atoi(name); err == nil && n >= 0 {
		for _, u := range users {
			if u.UID == n {
				return u, nil
			}
		}
		return User{Name: name, UID: n, GID: -1}, nil
	}
	return User{}, fmt.Errorf("user %q: %w in %s", name, ErrNotFound, HostPath(env, "/etc/passwd"))
}

// LookupGroup finds a group by name or numeric gid in <Root>/etc/group. A
// numeric name that is not in the file is returned as a bare gid.
func LookupGroup(env *Env, name string) (Group, error) {
	groups, err := Groups(env)
	if err != nil {
		return Group{}, err
	}
	for _, g := range groups {
		if g.Name == name {
			return g, nil
		}
	}
	if n, err := strconv.Atoi(name); err == nil && n >= 0 {
		for _, g := range groups {
			if g.GID == n {
				return g, nil
			}
		}
		return Group{Name: name, GID: n}, nil
	}
	return Group{}, fmt.Errorf("group %q: %w in %s", name, ErrNotFound, HostPath(env, "/etc/group"))
}

// UserName returns the name for uid from <Root>/etc/passwd, or the number.
func UserName(env *Env, uid int) string {
	users, _ := Users(env)
	for _, u := range users {
		if u.UID == uid {
			return u.Name
		}
	}
	return strconv.Itoa(uid)
}

// GroupName returns the name for gid from <Root>/etc/group, or the number.
func GroupName(env *Env, gid int) string {
	groups, _ := Groups(env)
	for _, g := range groups {
		if g.GID == gid {
			return g.Name
		}
	}
	return strconv.Itoa(gid)
}

// FindUser returns the user named name in <Root>/etc/passwd, or nil when
// there is none (unlike LookupUser, a number is not read as a uid).
func FindUser(env *Env, name string) (*User, error) {
	users, err := Users(env)
	if err != nil {
		return nil, err
	}
	for i := range users {
		if users[i].Name == name {
			return &users[i], nil
		}
	}
	return nil, nil
}

// FindGroup returns the group named name in <Root>/etc/group, or nil when
// there is none (unlike LookupGroup, a number is not read as a gid).
func FindGroup(env *Env, name string) (*Group, error) {
	groups, err := Groups(env)
	if err != nil {
		return nil, err
	}
	for i := range groups {
		if groups[i].Name == name {
			return &groups[i], nil
		}
	}
	return nil, nil
}

// MemberGroups returns the groups of <Root>/etc/group that list user as a
// member, in file order (none when the file cannot be read).
func MemberGroups(env *Env, user string) []Group {
	groups, _ := Groups(env)
	var out []Group
	for _, g := range groups {
		if slices.Contains(g.Members, user) {
			out = append(out, g)
		}
	}
	return out
}

// WriteFile atomically writes data to the target path p (HostPath is applied
// here): a temp file in the same directory, fsync, chown/chmod, rename. uid or
// gid -1 keeps the existing file's owner (or the process's for a new file);
// mode 0 keeps the existing file's mode (0644 for a new file).
func WriteFile(env *Env, p string, data []byte, mode os.FileMode, uid, gid int) error {
	return WriteHostFile(HostPath(env, p), data, mode, uid, gid)
}

// WriteHostFile is WriteFile for a path already mapped through HostPath.
func WriteHostFile(hp string, data []byte, mode os.FileMode, uid, gid int) error {
	p := hp
	dir := filepath.Dir(hp)
	if fi, err := os.Lstat(hp); err == nil && fi.Mode().IsRegular() {
		if mode == 0 {
			mode = fi.Mode() & (os.ModePerm | os.ModeSetuid | os.ModeSetgid | os.ModeSticky)
		}
		ouid, ogid := fileOwner(fi)
		if uid < 0 {
			uid = ouid
		}
		if gid < 0 {
			gid = ogid
		}
	}
	if mode == 0 {
		mode = 0o644
	}
	f, err := os.CreateTemp(dir, "."+filepath.Base(hp)+".brine-*")
	if err != nil {
		return fmt.Errorf("write %s: %w", p, err)
	}
	tmp := f.Name()
	ok := false
	defer func() {
		if !ok {
			f.Close()
			os.Remove(tmp)
		}
	}()
	if _, err := f.Write(data); err != nil {
		return fmt.Errorf("write %s: %w", p, err)
	}
	if err := f.Sync(); err != nil {
		return fmt.Errorf("fsync %s: %w", p, err)
	}
	if uid >= 0 || gid >= 0 {
		if err := f.Chown(uid, gid); err != nil {
			return fmt.Errorf("chown %s: %w", p, err)
		}
	}
	if err := f.Chmod(mode); err != nil {
		return fmt.Errorf("chmod %s: %w", p, err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("write %s: %w", p, err)
	}
	if err := os.Rename(tmp, hp); err != nil {
		return fmt.Errorf("rename into %s: %w", p, err)
	}
	ok = true
	return nil
}
