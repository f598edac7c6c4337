package modules

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"regexp"
	"strconv"
	"strings"
	"syscall"

	"github.com/pmezard/go-difflib/difflib"

	"brine/provision/host/state"
	"brine/provision/lib/shlex"
	"brine/provision/wire/funcs"
)

// fileEditFuncs are salt/modules/file.py's functions that change files.
// Every write goes through a temp file beside the target and a rename,
// keeping the file's owner and mode (nothing half-written on a host; Salt's
// preserve_inode=True writes in place instead); backups are written as
// Salt writes them (PATH.bak for replace, blockreplace, comment).
func fileEditFuncs() map[string]fn {
	return map[string]fn{
		"file.write":        {run: func(c *call) (any, error) { return c.fileWrite("write") }},
		"file.append":       {run: func(c *call) (any, error) { return c.fileWrite("append") }},
		"file.prepend":      {run: func(c *call) (any, error) { return c.fileWrite("prepend") }},
		"file.replace":      {run: fileReplace},
		"file.line":         {run: fileLine},
		"file.blockreplace": {run: fileBlockreplace},
		"file.comment":      {run: func(c *call) (any, error) { return c.commentLine(true) }},
		"file.uncomment":    {run: func(c *call) (any, error) { return c.commentLine(false) }},
		"file.comment_line": {run: func(c *call) (any, error) { return c.commentLine(c.truth("cmnt")) }},
		"file.psed":         {run: filePsed},
		"file.sed":          {run: fileSed},
	}
}

// sedEsc is file._sed_esc.
func sedEsc(s string, all bool) string {
	s = strings.NewReplacer("'", `'"'"'`, "/", `\/`).Replace(s)
	if all {
		for _, ch := range "^.[$()|*+?{" {
			s = strings.ReplaceAll(s, string(ch), `\`+string(ch))
		}
	}
	return s
}

// filePsed is file.psed: Python's re.sub of before by after over the
// file (flags g for all, I M S), the old file kept as PATH.bak; None.
func filePsed(c *call) (any, error) {
	p := c.expandUser(c.str("path"))
	hp := c.host(p)
	data, err := os.ReadFile(hp)
	if err != nil {
		return nil, pyOSError(err, p)
	}
	if err := c.backupCopy(p, c.str("backup"), data); err != nil {
		return nil, err
	}
	before := sedEsc(c.str("before"), c.truth("escape_all"))
	flags := c.str("flags")
	count := 1
	if strings.Contains(flags, "g") {
		count = 0
	}
	prefix := ""
	for _, f := range strings.ReplaceAll(flags, "g", "") {
		switch f {
		case 'I':
			prefix += "i"
		case 'M':
			prefix += "m"
		case 'S':
			prefix += "s"
		}
	}
	if prefix != "" {
		prefix = "(?" + prefix + ")"
	}
	re, err := regexp.Compile(prefix + before)
	if err != nil {
		return nil, funcs.Raise("error", "%v", err)
	}
	out, _, err := pySubn(re, c.str("after"), string(data), count)
	if err != nil {
		return nil, err
	}
	return nil, c.writeKeep(p, []byte(out))
}

// fileSed is file.sed: sed -i.bak -r -e 's/before/after/flags' over the
// file; cmd.run_all's return, False when the file does not exist.
func fileSed(c *call) (any, error) {
	p := c.expandUser(c.str("path"))
	if _, err := os.Stat(c.host(p)); err != nil {
		return false, nil
	}
	all := c.truth("escape_all")
	argv := []string{"sed", "-i"}
	if b := c.str("backup"); b != "" && truthy(c.a["backup"]) {
		argv[1] = "-i" + b
	}
	opts, err := shlex.Split(c.str("options"))
	if err != nil {
		return nil, err
	}
	argv = append(argv, opts...)
	expr := ""
	if l := sedEsc(c.str("limit"), all); l != "" {
		expr = "/" + l + "/ "
	}
	if c.truth("negate_match") {
		expr += "!"
	}
	expr += "s/" + sedEsc(c.str("before"), all) + "/" + sedEsc(c.str("after"), all) + "/" + c.str("flags")
	r := c.command(nil, "", false, append(argv, expr, p)...)
	return map[string]any{"pid": r.Pid, "retcode": r.Retcode, "stdout": r.Stdout, "stderr": r.Stderr}, nil
}

// argsLines is write/append/prepend's lines: *args, or kwargs' args.
func (c *call) argsLines() []any {
	if v, ok := c.kw["args"]; ok {
		if l, ok := v.([]any); ok {
			return l
		}
		return []any{v}
	}
	return c.restList()
}

// writeKeep replaces the file at target path p with data through a temp
// file and a rename, keeping its owner and mode (0644 and the executor's
// user for a new file).
func (c *call) writeKeep(p string, data []byte) error {
	err := state.WriteFile(c.env.stateEnv(), p, data, 0, -1, -1)
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pyOSError(pe.Err, p)
	}
	return err
}

// fileWrite is file.write, append and prepend.
func (c *call) fileWrite(how string) (any, error) {
	p := c.expandUser(c.str("path"))
	lines := c.argsLines()
	var b strings.Builder
	for _, l := range lines {
		b.WriteString(pyStr(l) + "\n")
	}
	hp := state.HostPath(c.env.stateEnv(), p)
	switch how {
	case "write":
		if err := c.writeKeep(p, []byte(b.String())); err != nil {
			return nil, err
		}
		return fmt.Sprintf("Wrote %d lines to \"%s\"", len(lines), p), nil
	case "append":
		old, err := os.ReadFile(hp)
		if err != nil {
			return nil, pyOSError(err, p)
		}
		if len(old) > 0 && old[len(old)-1] != '\n' {
			old = append(old, '\n')
		}
		if err := c.writeKeep(p, append(old, b.String()...)); err != nil {
			return nil, err
		}
		return fmt.Sprintf("Wrote %d lines to \"%s\"", len(lines), p), nil
	}
	old, _ := os.ReadFile(hp)
	if err := c.writeKeep(p, append([]byte(b.String()), old...)); err != nil {
		return nil, err
	}
	return fmt.Sprintf("Prepended %d lines to \"%s\"", len(lines), p), nil
}

// pyDiff is salt.utils.stringutils.get_diff: Python's difflib.unified_diff
// of two lists of lines ("" when they are equal).
func pyDiff(a, b []string) string {
	if strings.Join(a, "") == strings.Join(b, "") && len(a) == len(b) {
		same := true
		for i := range a {
			if a[i] != b[i] {
				same = false
			}
		}
		if same {
			return ""
		}
	}
	s, err := difflib.GetUnifiedDiffString(difflib.UnifiedDiff{A: a, B: b, Context: 3})
	if err != nil || s == "" {
		return ""
	}
	return "--- \n+++ \n" + s
}

// splitKeep is Python's str.splitlines(True) for \n, \r\n and \r.
func splitKeep(s string) []string {
	var out []string
	start := 0
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case '\n':
			out = append(out, s[start:i+1])
			start = i + 1
		case '\r':
			if i+1 < len(s) && s[i+1] == '\n' {
				i++
			}
			out = append(out, s[start:i+1])
			start = i + 1
		}
	}
	if start < len(s) {
		out = append(out, s[start:])
	}
	return out
}

// pyExpand expands a Python re replacement template for match m of src:
// \1 and \g<name> group references, \n \t \r \f \v \a \b escapes and \\.
func pyExpand(re *regexp.Regexp, repl, src string, m []int) (string, error) {
	var b strings.Builder
	group := func(ref string) error {
		i, err := strconv.Atoi(ref)
		if err != nil {
			i = re.SubexpIndex(ref)
			if i < 0 {
				return fmt.Errorf("unknown group name '%s'", ref)
			}
		}
		if i > re.NumSubexp() {
			return fmt.Errorf("invalid group reference %d", i)
		}
		if m[2*i] >= 0 {
			b.WriteString(src[m[2*i]:m[2*i+1]])
		}
		return nil
	}
	for i := 0; i < len(repl); i++ {
		ch := repl[i]
		if ch != '\\' || i+1 >= len(repl) {
			b.WriteByte(ch)
			continue
		}
		i++
		switch e := repl[i]; {
		case e >= '0' && e <= '9':
			j := i + 1
			if j < len(repl) && repl[j] >= '0' && repl[j] <= '9' {
				j++
			}
			if err := group(repl[i:j]); err != nil {
				return "", err
			}
			i = j - 1
		case e == 'g':
			end := strings.IndexByte(repl[i:], '>')
			if i+1 >= len(repl) || repl[i+1] != '<' || end < 0 {
				return "", errors.New("missing group name")
			}
			if err := group(repl[i+2 : i+end]); err != nil {
				return "", err
			}
			i += end
		default:
			if r, ok := map[byte]byte{'n': '\n', 't': '\t', 'r': '\r', 'f': '\f', 'v': '\v', 'a': '\a', 'b': '\b', '\\': '\\'}[e]; ok {
				b.WriteByte(r)
			} else if e >= 'a' && e <= 'z' || e >= 'A' && e <= 'Z' {
				return "", fmt.Errorf("bad escape \\%c", e)
			} else {
				b.WriteByte('\\')
				b.WriteByte(e)
			}
		}
	}
	return b.String(), nil
}

// pySubn is Python's re.subn(pattern, repl, s, count).
func pySubn(re *regexp.Regexp, repl, s string, count int) (string, int, error) {
	n := -1
	if count > 0 {
		n = count
	}
	var b strings.Builder
	last, done := 0, 0
	for _, m := range re.FindAllStringSubmatchIndex(s, n) {
		r, err := pyExpand(re, repl, s, m)
		if err != nil {
			return "", 0, err
		}
		b.WriteString(s[last:m[0]])
		b.WriteString(r)
		last = m[1]
		done++
	}
	b.WriteString(s[last:])
	return b.String(), done, nil
}

// realpath is os.path.realpath of a target path, on the target.
func (c *call) realpath(p string) string {
	r, _, _ := c.resolve(p)
	return c.unroot(r)
}

// backupCopy writes the old content to PATH+suffix with the file's owner
// and mode (Salt moves its temp copy there).
func (c *call) backupCopy(p, suffix string, old []byte) error {
	return c.writeKeepAs(p+suffix, p, old)
}

// writeKeepAs writes data to dst with the owner and mode of src.
func (c *call) writeKeepAs(dst, src string, data []byte) error {
	se := c.env.stateEnv()
	fi, err := os.Stat(state.HostPath(se, src))
	if err != nil {
		return c.writeKeep(dst, data)
	}
	uid, gid := -1, -1
	if st, ok := fi.Sys().(*syscall.Stat_t); ok {
		uid, gid = int(st.Uid), int(st.Gid)
	}
	return state.WriteFile(se, dst, data, fi.Mode()&(os.ModePerm|os.ModeSetuid|os.ModeSetgid|os.ModeSticky), uid, gid)
}

// fileReplace is file.replace: re.subn over the whole file (Python re
// flags, MULTILINE by default), append_if_not_found / prepend_if_not_found
// with not_found_content, the old file kept as PATH.bak, the diff as the
// return (has_changes with show_changes=False); search_only, dry_run.
func fileReplace(c *call) (any, error) {
	p := c.realpath(c.expandUser(c.str("path")))
	hp := state.HostPath(c.env.stateEnv(), p)
	data, err := os.ReadFile(hp)
	if errors.Is(err, fs.ErrNotExist) {
		if c.truth("ignore_if_missing") {
			return false, nil
		}
		return nil, funcs.Raise("SaltInvocationError", "File not found: %s", p)
	}
	if err != nil {
		return nil, funcs.Raise("CommandExecutionError", "Unable to open file '%s'. Exception: %s", p, pyOSError(err, p))
	}
	if !isText(data) {
		return nil, funcs.Raise("SaltInvocationError", "Cannot perform string replacements on a binary file: %s", p)
	}
	appendNF, prependNF := c.truth("append_if_not_found"), c.truth("prepend_if_not_found")
	if c.truth("search_only") && (appendNF || prependNF) {
		return nil, funcs.Raise("SaltInvocationError", "search_only cannot be used with append/prepend_if_not_found")
	}
	if appendNF && prependNF {
		return nil, funcs.Raise("SaltInvocationError", "Only one of append and prepend_if_not_found is permitted")
	}
	flags, err := reFlags(c.a["flags"])
	if err != nil {
		return nil, err
	}
	re, err := pyRegexp(c.str("pattern"), flags)
	if err != nil {
		return nil, err
	}
	count, _ := pyInt(c.a["count"])
	repl := c.str("repl")
	if c.truth("backslash_literal") {
		repl = strings.ReplaceAll(repl, `\`, `\\`)
	}
	text := string(data)
	if c.truth("search_only") {
		return re.MatchString(text), nil
	}
	result, nrepl, err := pySubn(re, repl, text, count)
	if err != nil {
		return nil, err
	}
	found := nrepl > 0
	changed := nrepl > 0 && c.str("pattern") != c.str("repl")
	content := c.str("repl")
	nfc := c.str("not_found_content")
	if nfc != "" && (appendNF || prependNF) {
		content = nfc
	}
	if appendNF || prependNF {
		if cre, err := regexp.Compile(prefixOf(re) + "^" + regexp.QuoteMeta(content) + `($|\r\n)`); err == nil && pyMatch(cre, text) {
			found = true
		}
	}
	orig := splitKeep(text)
	updated := splitKeep(result)
	if strings.Join(orig, "") == strings.Join(updated, "") {
		changed = false
	}
	if !found && (appendNF || prependNF) {
		if nfc == "" {
			nfc = c.str("repl")
		}
		if prependNF {
			updated = append([]string{nfc + "\n"}, updated...)
		} else {
			if len(updated) > 0 && !strings.HasSuffix(updated[len(updated)-1], "\n") {
				updated[len(updated)-1] += "\n"
			}
			updated = append(updated, nfc+"\n")
		}
		changed = true
	}
	if changed && !c.truth("dry_run") {
		if err := c.writeKeep(p, []byte(strings.Join(updated, ""))); err != nil {
			return nil, err
		}
		if b := c.str("backup"); b != "" && truthy(c.a["backup"]) {
			if err := c.backupCopy(p, b, data); err != nil {
				return nil, err
			}
		}
	}
	diff := pyDiff(orig, updated)
	if c.truth("show_changes") {
		return diff, nil
	}
	if diff == "" {
		changed = false
	}
	return changed, nil
}

// prefixOf is the inline flags pyRegexp put in front of a pattern
// ("(?im)"), for patterns built from the same flags.
func prefixOf(re *regexp.Regexp) string {
	s := re.String()
	if strings.HasPrefix(s, "(?") {
		if i := strings.IndexByte(s, ')'); i > 0 {
			return s[:i+1]
		}
	}
	return ""
}

// eolOf is file._get_eol: the line ending a line has ("" for none).
func eolOf(l string) string {
	switch {
	case strings.HasSuffix(l, "\r\n"):
		return "\r\n"
	case strings.HasSuffix(l, "\n"), strings.HasSuffix(l, "\r"):
		return l[len(l)-1:]
	}
	return ""
}

// lineIndent is file._set_line_indent.
func lineIndent(src, line string, indent bool) string {
	if !indent {
		return line
	}
	i := 0
	for i < len(src) && (src[i] == ' ' || src[i] == '\t') {
		i++
	}
	return src[:i] + strings.TrimLeft(line, " \t\n\r\v\f")
}

// lineEOL is file._set_line_eol.
func lineEOL(src, line string) string {
	e := eolOf(src)
	if e == "" {
		e = "\n"
	}
	return strings.TrimRight(line, " \t\n\r\v\f") + e
}

// regexToStatic is file._regex_to_static: the lines regex matches (DOTALL)
// or that contain it literally; nil when there are no lines or no regex.
func regexToStatic(lines []string, regex *string) ([]string, error) {
	if len(lines) == 0 || regex == nil || *regex == "" {
		return nil, nil
	}
	re, err := regexp.Compile("(?s)" + *regex)
	if err != nil {
		return nil, funcs.Raise("CommandExecutionError", "%v: '%s'", err, *regex)
	}
	out := []string{}
	for _, l := range lines {
		if re.MatchString(l) || strings.Contains(l, *regex) {
			out = append(out, l)
		}
	}
	return out, nil
}

// assertOnce is file._assert_occurrence with amount 1.
func assertOnce(probe []string, target string) error {
	msg := ""
	switch {
	case len(probe) > 1:
		msg = "more than"
	case len(probe) < 1:
		msg = "less than"
	}
	if msg != "" {
		return funcs.Raise("CommandExecutionError", "Found %s expected occurrences in \"%s\" expression", msg, target)
	}
	return nil
}

func indexOf(lines []string, s string) int {
	for i, l := range lines {
		if l == s {
			return i
		}
	}
	return -1
}

func insertAt(lines []string, i int, s string) []string {
	lines = append(lines, "")
	copy(lines[i+1:], lines[i:])
	lines[i] = s
	return lines
}

// optStr is a parameter as a string pointer (nil for None).
func (c *call) optStr(k string) *string {
	if c.isNone(k) {
		return nil
	}
	s := c.str(k)
	return &s
}

// setLine is file._set_line.
func setLine(lines []string, content, match, before, after *string, mode string, location string, indent bool) ([]string, error) {
	if (match == nil || *match == "") && before == nil && after == nil {
		match = content
	}
	aft, err := regexToStatic(lines, after)
	if err != nil {
		return nil, err
	}
	bef, err := regexToStatic(lines, before)
	if err != nil {
		return nil, err
	}
	mat, err := regexToStatic(lines, match)
	if err != nil {
		return nil, err
	}
	cont := ""
	if content != nil {
		cont = *content
	}
	trim := func(s string) string { return strings.TrimRight(s, "\r\n") }
	switch {
	case len(lines) == 0 && (mode == "delete" || mode == "replace"):
		return []string{}, nil
	case mode == "delete" && len(mat) > 0:
		var out []string
		for _, l := range lines {
			if l != mat[0] {
				out = append(out, l)
			}
		}
		return out, nil
	case mode == "replace" && len(mat) > 0:
		i := indexOf(lines, mat[0])
		lines[i] = lineIndent(lines[i], cont, indent)
	case mode == "insert":
		if before == nil && after == nil && location == "" {
			return nil, funcs.Raise("CommandExecutionError", "On insert either \"location\" or \"before/after\" conditions are required.")
		}
		switch {
		case location == "end":
			if len(lines) > 0 {
				lines = append(lines, lineIndent(lines[len(lines)-1], cont, indent))
			} else {
				lines = append(lines, cont)
			}
		case location == "start":
			if len(lines) > 0 {
				lines = insertAt(lines, 0, lineEOL(lines[0], cont))
			} else {
				lines = []string{cont + "\n"}
			}
		case location != "":
		case len(bef) > 0 && len(aft) > 0:
			if err := assertOnce(bef, "before"); err != nil {
				return nil, err
			}
			if err := assertOnce(aft, "after"); err != nil {
				return nil, err
			}
			last := indexOf(lines, bef[0])
			lines = insertAt(lines, last, lineIndent(lines[last], cont, indent))
		case len(aft) > 0:
			if err := assertOnce(aft, "after"); err != nil {
				return nil, err
			}
			i := indexOf(lines, aft[0])
			if i+1 >= len(lines) || trim(lines[i+1]) != trim(cont) {
				lines = insertAt(lines, i+1, lineIndent(lines[i], cont, indent))
			}
		case len(bef) > 0:
			if err := assertOnce(bef, "before"); err != nil {
				return nil, err
			}
			i := indexOf(lines, bef[0])
			prev := lines[(i-1+len(lines))%len(lines)]
			if trim(prev) != trim(cont) {
				lines = insertAt(lines, i, lineIndent(lines[i], cont, indent))
			}
		default:
			return nil, funcs.Raise("CommandExecutionError", "Neither before or after was found in file")
		}
	case mode == "ensure":
		switch {
		case len(bef) > 0 && len(aft) > 0:
			if err := assertOnce(aft, "after"); err != nil {
				return nil, err
			}
			if err := assertOnce(bef, "before"); err != nil {
				return nil, err
			}
			ai, bi := indexOf(lines, aft[0]), indexOf(lines, bef[0])
			there := false
			for _, l := range lines {
				if strings.TrimLeft(l, " \t\n\r\v\f") == cont {
					there = true
				}
			}
			if !there {
				switch {
				case ai+1 == bi:
					lines = insertAt(lines, ai+1, lineIndent(lines[ai], cont, indent))
				case ai+2 == bi:
					lines[ai+1] = lineIndent(lines[ai], cont, indent)
				default:
					return nil, funcs.Raise("CommandExecutionError", "Found more than one line between boundaries \"before\" and \"after\".")
				}
			}
		case len(bef) > 0:
			if err := assertOnce(bef, "before"); err != nil {
				return nil, err
			}
			bi := indexOf(lines, bef[0])
			if bi == 0 || trim(lines[bi-1]) != trim(cont) {
				src := lines[(bi-1+len(lines))%len(lines)]
				lines = insertAt(lines, bi, lineIndent(src, cont, indent))
			}
		case len(aft) > 0:
			if err := assertOnce(aft, "after"); err != nil {
				return nil, err
			}
			ai := indexOf(lines, aft[0])
			if ai+1 >= len(lines) || trim(lines[ai+1]) != trim(cont) {
				lines = insertAt(lines, ai+1, lineIndent(lines[ai], cont, indent))
			}
		default:
			return nil, funcs.Raise("CommandExecutionError", "Wrong conditions? Unable to ensure line without knowing where to put it before and/or after.")
		}
	}
	return lines, nil
}

// fileLine is file.line: edit one line of a file by mode (ensure, insert,
// replace, delete) around before/after/location.
func fileLine(c *call) (any, error) {
	p := c.realpath(c.expandUser(c.str("path")))
	hp := state.HostPath(c.env.stateEnv(), p)
	fi, err := os.Stat(hp)
	if err != nil || !fi.Mode().IsRegular() {
		if !c.truth("quiet") {
			return nil, funcs.Raise("CommandExecutionError", "File \"%s\" does not exists or is not a file.", p)
		}
		return false, nil
	}
	mode := strings.ToLower(c.str("mode"))
	switch mode {
	case "insert", "ensure", "delete", "replace":
	case "":
		return nil, funcs.Raise("CommandExecutionError", "Mode was not defined. How to process the file?")
	default:
		return nil, funcs.Raise("CommandExecutionError", "Unknown mode: \"%s\"", c.str("mode"))
	}
	content := c.optStr("content")
	if mode != "delete" && content == nil {
		return nil, funcs.Raise("CommandExecutionError", "Content can only be empty if mode is \"delete\"")
	}
	data, err := os.ReadFile(hp)
	if err != nil {
		return nil, pyOSError(err, p)
	}
	body := splitKeep(string(data))
	if len(body) > 0 && eolOf(body[len(body)-1]) != "" {
		body = append(body, "")
	}
	if len(data) == 0 && (mode == "delete" || mode == "replace") {
		body = nil
	}
	body, err = setLine(body, content, c.optStr("match"), c.optStr("before"), c.optStr("after"), mode, c.str("location"), c.truth("indent"))
	if err != nil {
		return nil, err
	}
	for i, l := range body {
		if eolOf(l) == "" && i+1 < len(body) {
			prev := 1
			if i > 0 {
				prev = i - 1
			}
			if prev < len(body) {
				body[i] = lineEOL(body[prev], l)
			}
		}
	}
	if len(body) > 0 && body[len(body)-1] == "" {
		body = body[:len(body)-1]
	}
	newText := strings.Join(body, "")
	changed := newText != string(data)
	if !changed {
		return false, nil
	}
	var diff string
	if c.truth("show_changes") {
		diff = pyDiff(splitKeep(string(data)), body)
	}
	if err := c.writeKeep(p, []byte(newText)); err != nil {
		return nil, err
	}
	if c.truth("show_changes") && diff != "" {
		return diff, nil
	}
	return true, nil
}

// fileBlockreplace is file.blockreplace: the lines between marker_start
// and marker_end replaced by content (appended, prepended or inserted
// around a match when the markers are missing), PATH.bak kept, the diff
// returned.
func fileBlockreplace(c *call) (any, error) {
	n := 0
	for _, k := range []string{"append_if_not_found", "prepend_if_not_found", "insert_before_match", "insert_after_match"} {
		if c.truth(k) {
			n++
		}
	}
	if n > 1 {
		return nil, funcs.Raise("SaltInvocationError", "Only one of append_if_not_found, prepend_if_not_found, insert_before_match, and insert_after_match is permitted")
	}
	p := c.expandUser(c.str("path"))
	hp := state.HostPath(c.env.stateEnv(), p)
	data, err := os.ReadFile(hp)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, funcs.Raise("SaltInvocationError", "File not found: %s", p)
	}
	if err != nil {
		return nil, funcs.Raise("CommandExecutionError", "Failed to read from %s: %v", p, pyOSError(err, p))
	}
	if !isText(data) {
		return nil, funcs.Raise("SaltInvocationError", "Cannot perform string replacements on a binary file: %s", p)
	}
	start, end, content := c.str("marker_start"), c.str("marker_end"), c.str("content")
	appendNL := c.truth("append_newline")
	if c.isNone("append_newline") && !strings.HasSuffix(content, "\n") {
		appendNL = true
	}
	var split []string
	for _, w := range strings.Split(content, "\r\n") {
		split = append(split, strings.Split(w, "\n")...)
	}
	sep := ""
	addContent := func(lines []string, withStart bool, endLine string) []string {
		endLine = strings.TrimRight(endLine, "\r\n") + sep
		if withStart {
			lines = append(lines, start+sep)
		}
		for i, l := range split {
			switch {
			case i+1 != len(split):
				lines = append(lines, l+sep)
			case appendNL:
				lines = append(lines, l+sep, endLine)
			default:
				lines = append(lines, l+endLine)
			}
		}
		return lines
	}
	var orig, updated []string
	inBlock, found := false, false
	for _, line := range splitKeep(string(data)) {
		write := true
		if sep == "" {
			sep = "\n"
			if strings.HasSuffix(line, "\r\n") {
				sep = "\r\n"
			}
		}
		if strings.Contains(line, start) {
			inBlock = true
		} else if inBlock {
			write = false
			if i := strings.Index(line, end); i >= 0 {
				inBlock, found = false, true
				updated = addContent(updated, false, line[i:])
			}
		}
		orig = append(orig, line)
		if write {
			updated = append(updated, line)
		}
	}
	if sep == "" {
		sep = "\n"
	}
	if inBlock {
		return nil, funcs.Raise("CommandExecutionError", "Unterminated marked block. End of file reached before marker_end.")
	}
	if !found {
		switch {
		case c.truth("prepend_if_not_found"):
			updated = append(addContent(nil, true, end), updated...)
			found = true
		case c.truth("append_if_not_found"):
			if len(updated) > 0 && !strings.HasSuffix(updated[len(updated)-1], sep) {
				updated[len(updated)-1] += sep
			}
			updated = addContent(updated, true, end)
			found = true
		case c.truth("insert_before_match") || c.truth("insert_after_match"):
			after := c.truth("insert_after_match")
			pat := c.str("insert_before_match")
			if after {
				pat = c.str("insert_after_match")
			}
			re, err := pyRegexp(pat, 0)
			if err != nil {
				return nil, err
			}
			for i, l := range orig {
				if pyMatch(re, l) {
					at := i
					for _, nl := range addContent(nil, true, end) {
						if after {
							at++
						}
						updated = insertAt(updated, at, nl)
						if !after {
							at++
						}
					}
					found = true
					break
				}
			}
		}
	}
	if !found {
		return nil, funcs.Raise("CommandExecutionError", "Cannot edit marked block. Markers were not found in file.")
	}
	diff := pyDiff(orig, updated)
	if diff != "" && !c.truth("dry_run") {
		if b := c.a["backup"]; b != false {
			if err := c.backupCopy(p, pyStr(b), data); err != nil {
				return nil, err
			}
		}
		if err := c.writeKeep(p, []byte(strings.Join(updated, ""))); err != nil {
			return nil, err
		}
	}
	if c.truth("show_changes") {
		return diff, nil
	}
	return diff != "", nil
}

// commentLine is file.comment_line (comment, uncomment): the lines regex
// matches commented with char (or uncommented), PATH.bak kept; the diff
// of the lines it changed, or False when none matched.
func (c *call) commentLine(cmnt bool) (any, error) {
	regex, char := c.str("regex"), c.str("char")
	core := strings.TrimSuffix(strings.TrimPrefix(regex, "^"), "$")
	dollar := ""
	if strings.HasSuffix(regex, "$") {
		dollar = "$"
	}
	if cmnt {
		caret := ""
		if strings.HasPrefix(regex, "^") {
			caret = "^"
		}
		regex = caret + "(" + core + ")" + dollar
	} else {
		regex = "^" + regexp.QuoteMeta(char) + `\s*(` + core + ")" + dollar
	}
	re, err := regexp.Compile(`\A(?:` + regex + `)`)
	if err != nil {
		return nil, err
	}
	p := c.realpath(c.expandUser(c.str("path")))
	hp := state.HostPath(c.env.stateEnv(), p)
	fi, err := os.Stat(hp)
	if err != nil || !fi.Mode().IsRegular() {
		return nil, funcs.Raise("SaltInvocationError", "File not found: %s", p)
	}
	data, err := os.ReadFile(hp)
	if err != nil {
		return nil, funcs.Raise("CommandExecutionError", "Unable to open file '%s'. Exception: %v", p, pyOSError(err, p))
	}
	if !isText(data) {
		return nil, funcs.Raise("SaltInvocationError", "Cannot perform string replacements on a binary file: %s", p)
	}
	var orig, changed, all []string
	for _, l := range splitKeep(string(data)) {
		if pyMatch(re, l) {
			nl := char + l
			if !cmnt {
				nl = strings.TrimLeft(l, char)
			}
			orig, changed = append(orig, l), append(changed, nl)
			all = append(all, nl)
			continue
		}
		all = append(all, l)
	}
	if len(orig) == 0 {
		return false, nil
	}
	if err := c.writeKeep(p, []byte(strings.Join(all, ""))); err != nil {
		return nil, err
	}
	if b := c.str("backup"); truthy(c.a["backup"]) {
		if err := c.backupCopy(p, b, data); err != nil {
			return nil, err
		}
	}
	return pyDiff(orig, changed), nil
}
