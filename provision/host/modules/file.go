package modules

import (
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"

	"brine/provision/host/state"
	"brine/provision/lib/fnmatch"
	"brine/provision/lib/sourcehash"
	"brine/provision/wire/funcs"
	"brine/provision/wire/spec"
)

// fileFuncs are the readers of salt/modules/file.py templates use.
func fileFuncs() map[string]fn {
	return map[string]fn{
		"file.file_exists":      {run: func(c *call) (any, error) { return c.statIs(c.str("path"), true, fs.FileMode.IsRegular), nil }},
		"file.directory_exists": {run: func(c *call) (any, error) { return c.statIs(c.str("path"), true, fs.FileMode.IsDir), nil }},
		"file.is_link":          {run: func(c *call) (any, error) { return c.statIs(c.str("path"), false, isSymlink), nil }},
		"file.is_blkdev": {run: func(c *call) (any, error) {
			return c.statIs(c.str("name"), true, isType(fs.ModeDevice, fs.ModeCharDevice)), nil
		}},
		"file.is_chrdev":        {run: func(c *call) (any, error) { return c.statIs(c.str("name"), true, isType(fs.ModeCharDevice, 0)), nil }},
		"file.is_fifo":          {run: func(c *call) (any, error) { return c.statIs(c.str("name"), true, isType(fs.ModeNamedPipe, 0)), nil }},
		"file.path_exists_glob": {run: pathExistsGlob},
		"file.readdir":          {run: readdir},
		"file.readlink":         {run: readlink},
		"file.contains":         {run: contains},
		"file.contains_regex":   {run: containsRegex},
		"file.contains_glob":    {run: containsGlob},
		"file.search":           {run: search},
		"file.stats":            {run: stats},
		"file.get_user":         statField("user", false),
		"file.get_group":        statField("group", false),
		"file.get_uid":          statField("uid", -1),
		"file.get_gid":          statField("gid", -1),
		"file.get_mode":         statField("mode", ""),
		"file.lstat":            {run: lstat},
		"file.get_hash":         {run: getHash},
		"file.get_sum":          {run: getSum},
		"file.access":           {run: access},
		"file.read":             {run: readFile},
	}
}

// host expands "~" and maps an absolute target path under Root.
func (c *call) host(p string) string {
	return state.HostPath(c.env.stateEnv(), c.expandUser(p))
}

// expandUser is os.path.expanduser: "~" is the executor user's home,
// "~name" that user's home from /etc/passwd; anything else is unchanged.
func (c *call) expandUser(p string) string {
	if !strings.HasPrefix(p, "~") {
		return p
	}
	name, rest, _ := strings.Cut(p[1:], "/")
	home := ""
	if name == "" {
		home = os.Getenv("HOME")
		if home == "" {
			if u, err := state.LookupUser(c.env.stateEnv(), strconv.Itoa(os.Getuid())); err == nil {
				home = u.Home
			}
		}
	} else if u, err := state.FindUser(c.env.stateEnv(), name); err == nil && u != nil {
		home = u.Home
	}
	if home == "" {
		return p
	}
	if rest == "" && !strings.Contains(p, "/") {
		return home
	}
	return strings.TrimRight(home, "/") + "/" + rest
}

// statIs stats p (following links when follow) and tests its mode.
func (c *call) statIs(p string, follow bool, test func(fs.FileMode) bool) bool {
	var fi os.FileInfo
	var err error
	if follow {
		_, fi, err = c.resolve(p)
	} else {
		fi, err = os.Lstat(c.host(p))
	}
	return err == nil && test(fi.Mode())
}

// resolve follows symbolic links of the last path component the way the
// kernel does, but inside Root (an absolute link target is a target path):
// it returns the host path reached and its stat.
func (c *call) resolve(p string) (string, os.FileInfo, error) {
	hp := c.host(p)
	if c.env.Root == "" {
		fi, err := os.Stat(hp)
		if err != nil {
			return hp, nil, err
		}
		if r, rerr := filepath.EvalSymlinks(hp); rerr == nil {
			hp = r
		}
		return hp, fi, nil
	}
	target := c.expandUser(p)
	for hops := 0; hops < 40; hops++ {
		fi, err := os.Lstat(hp)
		if err != nil || fi.Mode()&fs.ModeSymlink == 0 {
			return hp, fi, err
		}
		l, err := os.Readlink(hp)
		if err != nil {
			return hp, nil, err
		}
		if !strings.HasPrefix(l, "/") {
			l = filepath.Join(filepath.Dir(target), l)
		}
		target = l
		hp = state.HostPath(c.env.stateEnv(), l)
	}
	return hp, nil, syscall.ELOOP
}

func isSymlink(m fs.FileMode) bool { return m&fs.ModeSymlink != 0 }

// isType tests a device or pipe type: the bits of want set, of not unset.
func isType(want, not fs.FileMode) func(fs.FileMode) bool {
	return func(m fs.FileMode) bool { return m&want != 0 && m&not == 0 }
}

func pathExistsGlob(c *call) (any, error) {
	got, _ := filepath.Glob(c.host(c.str("path")))
	return len(got) > 0, nil
}

func readdir(c *call) (any, error) {
	p := c.expandUser(c.str("path"))
	if !strings.HasPrefix(p, "/") {
		return nil, errors.New("Dir path must be absolute.")
	}
	hp := c.host(p)
	if fi, err := os.Stat(hp); err != nil || !fi.IsDir() {
		return nil, errors.New("A valid directory was not specified.")
	}
	ents, err := os.ReadDir(hp)
	if err != nil {
		return nil, pyOSError(err, p)
	}
	out := []any{".", ".."}
	for _, e := range ents {
		out = append(out, e.Name())
	}
	return out, nil
}

func readlink(c *call) (any, error) {
	p := expandVars(c.expandUser(c.str("path")))
	if !strings.HasPrefix(p, "/") {
		return nil, funcs.Raise("SaltInvocationError", "Path to link must be absolute: %s", p)
	}
	hp := c.host(p)
	if fi, err := os.Lstat(hp); err != nil || fi.Mode()&fs.ModeSymlink == 0 {
		return nil, funcs.Raise("SaltInvocationError", "A valid link was not specified: %s", p)
	}
	if c.truth("canonicalize") {
		// os.path.realpath never fails: it resolves what it can
		r, _, _ := c.resolve(p)
		return c.unroot(r), nil
	}
	t, err := os.Readlink(hp)
	if err != nil {
		return nil, errors.New(err.Error())
	}
	return t, nil
}

// expandVars is os.path.expandvars: $NAME and ${NAME} of the environment;
// unknown variables are left as they are.
func expandVars(s string) string {
	return os.Expand(s, func(k string) string {
		if v, ok := os.LookupEnv(k); ok {
			return v
		}
		if strings.ContainsAny(s, "{") && strings.Contains(s, "${"+k+"}") {
			return "${" + k + "}"
		}
		return "$" + k
	})
}

// unroot turns a path under Root back into the target's path.
func (c *call) unroot(hp string) string {
	if c.env.Root == "" {
		return hp
	}
	rel, err := filepath.Rel(c.env.Root, hp)
	if err != nil || strings.HasPrefix(rel, "..") {
		return hp
	}
	return "/" + strings.TrimPrefix(filepath.ToSlash(rel), ".")
}

// readText reads a file a text function looks at; ok is false when it does
// not exist (or cannot be read), which these functions report as False.
func (c *call) readText(p string) ([]byte, bool) {
	hp, _, err := c.resolve(p)
	if err != nil {
		return nil, false
	}
	b, err := os.ReadFile(hp)
	return b, err == nil
}

func contains(c *call) (any, error) {
	b, ok := c.readText(c.str("path"))
	if !ok {
		return false, nil
	}
	return strings.Contains(string(b), strings.TrimSpace(c.str("text"))), nil
}

func containsRegex(c *call) (any, error) {
	b, ok := c.readText(c.str("path"))
	if !ok {
		return false, nil
	}
	re, err := pyRegexp(c.str("regex"), 0)
	if err != nil {
		return nil, err
	}
	lchar := c.str("lchar")
	for _, line := range strings.SplitAfter(string(b), "\n") {
		if lchar != "" {
			line = strings.TrimLeft(line, lchar)
		}
		if pyMatch(re, line) {
			return true, nil
		}
	}
	return false, nil
}

func containsGlob(c *call) (any, error) {
	b, ok := c.readText(c.str("path"))
	if !ok {
		return false, nil
	}
	return fnmatch.Match(c.str("glob_expr"), string(b)), nil
}

// Python re flag values (re.RegexFlag).
const (
	reIgnoreCase = 2
	reMultiline  = 8
	reDotAll     = 16
)

// pyRegexp compiles a Python regular expression with re flags for Go's
// RE2 (no backreferences or lookaround: those fail with Go's message).
func pyRegexp(pattern string, flags int) (*regexp.Regexp, error) {
	prefix := ""
	if flags&reIgnoreCase != 0 {
		prefix += "i"
	}
	if flags&reMultiline != 0 {
		prefix += "m"
	}
	if flags&reDotAll != 0 {
		prefix += "s"
	}
	if prefix != "" {
		pattern = "(?" + prefix + ")" + pattern
	}
	re, err := regexp.Compile(pattern)
	if err != nil {
		return nil, fmt.Errorf("invalid regular expression %q: %v", pattern, err)
	}
	return re, nil
}

// pyMatch is re.search: Python's "$" also matches before a newline that
// ends the text, Go's only at the very end.
func pyMatch(re *regexp.Regexp, s string) bool {
	if re.MatchString(s) {
		return true
	}
	t, cut := strings.CutSuffix(s, "\n")
	return cut && re.MatchString(t)
}

// reFlags reads file.search's flags: an int, a flag name or a list of names.
func reFlags(v any) (int, error) {
	if n, ok := spec.ParseInt(v); ok {
		if _, isStr := v.(string); !isStr {
			return n, nil
		}
	}
	names := map[string]int{"IGNORECASE": reIgnoreCase, "I": reIgnoreCase, "MULTILINE": reMultiline, "M": reMultiline, "DOTALL": reDotAll, "S": reDotAll}
	var list []any
	switch t := v.(type) {
	case string:
		list = []any{t}
	case []any:
		list = t
	default:
		return 0, funcs.Raise("CommandExecutionError", `Invalid re flags: "%s", must be given either as a single flag string, a list of strings, as an integer, or as an re flag`, pyStr(v))
	}
	out := 0
	for _, f := range list {
		n, ok := names[strings.ToUpper(pyStr(f))]
		if !ok {
			return 0, funcs.Raise("CommandExecutionError", "Invalid re flag given: %s", pyStr(f))
		}
		out |= n
	}
	return out, nil
}

func search(c *call) (any, error) {
	flags, err := reFlags(c.a["flags"])
	if err != nil {
		return nil, err
	}
	if c.truth("multiline") {
		flags |= reMultiline
	}
	p := c.expandUser(c.str("path"))
	hp, _, _ := c.resolve(p)
	b, err := os.ReadFile(hp)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			if c.truth("ignore_if_missing") {
				return false, nil
			}
			return nil, funcs.Raise("SaltInvocationError", "File not found: %s", c.unroot(hp))
		}
		return nil, funcs.Raise("CommandExecutionError", "Unable to open file '%s'. Exception: %v", p, pyOSError(err, p))
	}
	if !isText(b) {
		return nil, funcs.Raise("SaltInvocationError", "Cannot perform string replacements on a binary file: %s", c.unroot(hp))
	}
	re, err := pyRegexp(c.str("pattern"), flags)
	if err != nil {
		return nil, err
	}
	return pyMatch(re, string(b)), nil
}

// isText is Salt's files.is_text: no NUL byte and mostly printable in the
// first 512 bytes.
func isText(b []byte) bool {
	if len(b) > 512 {
		b = b[:512]
	}
	if len(b) == 0 {
		return true
	}
	bin := 0
	for _, ch := range b {
		if ch == 0 {
			return false
		}
		if ch < 32 && ch != '\n' && ch != '\r' && ch != '\t' && ch != '\b' && ch != '\f' {
			bin++
		}
	}
	return float64(bin)/float64(len(b)) <= 0.30
}

// fileStats is file.stats: the dict Salt builds from os.stat.
func (c *call) fileStats(p, hashType string, follow bool) (map[string]any, error) {
	p = c.expandUser(p)
	hp, fi, err := c.resolve(p)
	if err != nil || !follow {
		hp = c.host(p)
		fi, err = os.Lstat(hp)
		if err != nil {
			return nil, fmt.Errorf("Path not found: %s", p)
		}
	}
	target, _, _ := c.resolve(p)
	st, ok := fi.Sys().(*syscall.Stat_t)
	if !ok {
		return nil, fmt.Errorf("Path not found: %s", p)
	}
	se := c.env.stateEnv()
	ret := map[string]any{
		"inode": int(st.Ino),
		"uid":   int(st.Uid),
		"gid":   int(st.Gid),
		"group": nameOrID(state.GroupName(se, int(st.Gid)), int(st.Gid)),
		"user":  nameOrID(state.UserName(se, int(st.Uid)), int(st.Uid)),
		"atime": float64(st.Atim.Sec) + float64(st.Atim.Nsec)/1e9,
		"mtime": float64(st.Mtim.Sec) + float64(st.Mtim.Nsec)/1e9,
		"ctime": float64(st.Ctim.Sec) + float64(st.Ctim.Nsec)/1e9,
		"size":  int(st.Size),
		"mode":  normalizeMode(st.Mode & 0o7777),
	}
	if hashType != "" {
		sum, err := hashFile(hp, p, hashType)
		if err != nil {
			return nil, err
		}
		ret["sum"] = sum
	}
	ret["type"] = fileType(fi.Mode())
	ret["target"] = c.unroot(target)
	return ret, nil
}

// nameOrID is uid_to_user/gid_to_group: the name, or the number when the
// id has no entry.
func nameOrID(name string, id int) any {
	if name == strconv.Itoa(id) {
		return id
	}
	return name
}

// normalizeMode is salt.utils.files.normalize_mode(oct(mode)): "0644".
func normalizeMode(m uint32) string {
	s := strings.TrimLeft(strconv.FormatUint(uint64(m), 8), "0")
	for len(s) < 4 {
		s = "0" + s
	}
	return s
}

func fileType(m fs.FileMode) string {
	switch {
	case m&fs.ModeSymlink != 0:
		return "link"
	case m.IsDir():
		return "dir"
	case m&fs.ModeCharDevice != 0:
		return "char"
	case m&fs.ModeDevice != 0:
		return "block"
	case m&fs.ModeNamedPipe != 0:
		return "pipe"
	case m&fs.ModeSocket != 0:
		return "socket"
	}
	return "file"
}

func stats(c *call) (any, error) {
	return c.fileStats(c.str("path"), c.str("hash_type"), c.truth("follow_symlinks"))
}

// statField is file.get_user & co: one key of file.stats, or def.
func statField(key string, def any) fn {
	return fn{run: func(c *call) (any, error) {
		st, err := c.fileStats(c.str("path"), "", c.truth("follow_symlinks"))
		if err != nil {
			return nil, err
		}
		if v, ok := st[key]; ok {
			return v, nil
		}
		return def, nil
	}}
}

func lstat(c *call) (any, error) {
	p := c.expandUser(c.str("path"))
	if !strings.HasPrefix(p, "/") {
		return nil, errors.New("Path to file must be absolute.")
	}
	fi, err := os.Lstat(c.host(p))
	if err != nil {
		return map[string]any{}, nil
	}
	st, ok := fi.Sys().(*syscall.Stat_t)
	if !ok {
		return map[string]any{}, nil
	}
	return map[string]any{
		"st_atime": float64(st.Atim.Sec) + float64(st.Atim.Nsec)/1e9,
		"st_ctime": float64(st.Ctim.Sec) + float64(st.Ctim.Nsec)/1e9,
		"st_mtime": float64(st.Mtim.Sec) + float64(st.Mtim.Nsec)/1e9,
		"st_gid":   int(st.Gid),
		"st_uid":   int(st.Uid),
		"st_mode":  int(st.Mode),
		"st_nlink": int(st.Nlink),
		"st_size":  int(st.Size),
	}, nil
}

// hashFile is salt.utils.hashutils.get_hash.
func hashFile(hp, display, form string) (string, error) {
	h, ok := sourcehash.New(form)
	if !ok {
		return "", fmt.Errorf("Invalid hash type: %s", form)
	}
	f, err := os.Open(hp)
	if err != nil {
		return "", pyOSError(err, display)
	}
	defer f.Close()
	if _, err := io.Copy(h, f); err != nil {
		return "", pyOSError(err, display)
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

func getHash(c *call) (any, error) {
	p := c.expandUser(c.str("path"))
	hp, _, _ := c.resolve(p)
	return hashFile(hp, p, c.str("form"))
}

func getSum(c *call) (any, error) {
	p := c.expandUser(c.str("path"))
	hp, fi, err := c.resolve(p)
	if err != nil || !fi.Mode().IsRegular() {
		return "File not found", nil
	}
	return hashFile(hp, p, c.str("form"))
}

func access(c *call) (any, error) {
	p := c.expandUser(c.str("path"))
	if !strings.HasPrefix(p, "/") {
		return nil, errors.New("Path to link must be absolute.")
	}
	modes := map[string]uint32{"f": 0, "r": 4, "w": 2, "x": 1}
	m, ok := modes[c.str("mode")]
	if !ok {
		n, isInt := spec.ParseInt(c.a["mode"])
		if _, isStr := c.a["mode"].(string); isStr || !isInt || n < 0 || n > 7 {
			return nil, errors.New("Invalid mode specified.")
		}
		m = uint32(n)
	}
	return syscall.Access(c.host(p), m) == nil, nil
}

func readFile(c *call) (any, error) {
	p := c.expandUser(c.str("path"))
	hp, _, _ := c.resolve(p)
	b, err := os.ReadFile(hp)
	if err != nil {
		return nil, pyOSError(err, p)
	}
	return string(b), nil
}

// pyOSError is the OSError Python raises for an OS error on path p: its
// subclass by errno (FileNotFoundError...) and its words ("[Errno 2] No
// such file or directory: '/x'"). Left unhandled, salt-call prints it as
// the last line of a traceback; inside another message it is its words.
func pyOSError(err error, p string) error {
	var errno syscall.Errno
	if errors.As(err, &errno) {
		msg := errno.Error()
		if msg != "" {
			msg = strings.ToUpper(msg[:1]) + msg[1:]
		}
		typ := "OSError"
		switch errno {
		case syscall.ENOENT:
			typ = "FileNotFoundError"
		case syscall.EEXIST:
			typ = "FileExistsError"
		case syscall.EACCES, syscall.EPERM:
			typ = "PermissionError"
		case syscall.EISDIR:
			typ = "IsADirectoryError"
		case syscall.ENOTDIR:
			typ = "NotADirectoryError"
		}
		return &funcs.Exception{Type: typ, Msg: fmt.Sprintf("[Errno %d] %s: '%s'", int(errno), msg, p)}
	}
	return err
}
