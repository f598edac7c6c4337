package file

import (
	"context"
	"fmt"
	"os"
	"regexp"
	"strings"

	"brine/provision/host/state"
	"brine/provision/wire/lowstate"
)

// edit applies transform to the content of the file name and reports the
// diff: the shared flow of replace, append, line, blockreplace, comment and
// uncomment. create makes a missing file (as empty) instead of failing.
// transform returns the new content, or a result to return as is.
func edit(env *state.Env, c lowstate.Chunk, create bool, msgs *editMsgs,
	transform func(old string) (string, *lowstate.Result)) *lowstate.Result {
	name := c.Name()
	if r := checkAbs(name); r != nil {
		return r
	}
	hp := state.HostPath(env, name)
	fi, err := os.Stat(hp)
	var old []byte
	switch {
	case err == nil && fi.IsDir():
		return state.Failed(fmt.Sprintf("%s: is a directory, not a file", name))
	case err == nil:
		if old, err = os.ReadFile(hp); err != nil {
			return state.Failed(fmt.Sprintf("Unable to read %s: %v", name, err))
		}
	case !create:
		if state.ArgBool(c, "ignore_if_missing", false) {
			return state.OK(msgs.same)
		}
		return state.Failed(fmt.Sprintf("%s: file not found", name))
	default:
		parents := missingParents(env, name)
		if cannotMakeParents(env, c, parents) {
			return state.Failed(fmt.Sprintf("Parent directory not present: %s (set makedirs: True to create it)", name))
		}
	}
	nw, r := transform(string(old))
	if r != nil {
		return r
	}
	ch := map[string]any{}
	if fi == nil {
		ch["diff"] = "New file"
	} else if nw != string(old) {
		ch["diff"] = diffOrHidden(c, old, []byte(nw))
		if msgs.diff != nil && ch["diff"] != "<show_changes=False>" {
			ch["diff"] = msgs.diff(string(old), nw)
		}
	}
	if len(ch) == 0 {
		return state.OK(msgs.same)
	}
	if env.Test {
		return state.Pending(msgs.test, ch)
	}
	if fi == nil {
		if err := makeDirs(env, missingParents(env, name), perms{uid: -1, gid: -1}, 0o755); err != nil {
			return state.Failed(err.Error())
		}
	} else if err := backup(env, c, name, hp); err != nil {
		return state.Failed(err.Error())
	}
	if err := state.WriteHostFile(hp, []byte(nw), 0, -1, -1); err != nil {
		return state.Failed(fmt.Sprintf("Unable to write %s: %v", name, err))
	}
	return state.Changed(msgs.changed, ch)
}

// editMsgs are a function's comments: unchanged, changed, test mode, and
// its own diff (nil: UnifiedDiff).
type editMsgs struct {
	same, changed, test string
	diff                func(old, new string) string
}

func stdMsgs() *editMsgs {
	return &editMsgs{same: "No changes needed to be made", changed: "Changes were made", test: "Changes would have been made"}
}

// pyRegexp compiles a Python-style regex with Salt's MULTILINE default and
// converts the replacement's \1 / \g<name> references to Go's syntax.
func pyRegexp(pattern string) (*regexp.Regexp, error) {
	return regexp.Compile("(?m)" + pattern)
}

func pyRepl(repl string) string {
	pyBackref := regexp.MustCompile(`\\(\d+)|\\g<(\w+)>`)
	repl = strings.ReplaceAll(repl, "$", "$$")
	return pyBackref.ReplaceAllStringFunc(repl, func(m string) string {
		sm := pyBackref.FindStringSubmatch(m)
		if sm[1] != "" {
			return "${" + sm[1] + "}"
		}
		return "${" + sm[2] + "}"
	})
}

// replaceN replaces up to n matches (all when n <= 0).
func replaceN(re *regexp.Regexp, s, repl string, n int) string {
	if n <= 0 {
		return re.ReplaceAllString(s, repl)
	}
	var b strings.Builder
	last := 0
	for _, m := range re.FindAllStringSubmatchIndex(s, n) {
		b.WriteString(s[last:m[0]])
		b.Write(re.ExpandString(nil, repl, s, m))
		last = m[1]
	}
	b.WriteString(s[last:])
	return b.String()
}

func ensureNL(s string) string {
	if s != "" && !strings.HasSuffix(s, "\n") {
		return s + "\n"
	}
	return s
}

func replace(_ context.Context, env *state.Env, c lowstate.Chunk) *lowstate.Result {
	pattern, repl := state.ArgStr(c, "pattern"), state.ArgStr(c, "repl")
	if !state.HasArg(c, "pattern") || !state.HasArg(c, "repl") {
		return state.Failed("Missing parameter pattern or repl for state file.replace")
	}
	re, err := pyRegexp(pattern)
	if err != nil {
		return state.Failed(fmt.Sprintf("Invalid pattern %q: %v", pattern, err))
	}
	gorepl := pyRepl(repl)
	count := state.ArgInt(c, "count", 0)
	appendNF := state.ArgBool(c, "append_if_not_found", false)
	prependNF := state.ArgBool(c, "prepend_if_not_found", false)
	return edit(env, c, false, stdMsgs(), func(old string) (string, *lowstate.Result) {
		if re.MatchString(old) {
			return replaceN(re, old, gorepl, count), nil
		}
		if !appendNF && !prependNF {
			return old, nil
		}
		content := repl
		if state.HasArg(c, "not_found_content") {
			content = state.ArgStr(c, "not_found_content")
		}
		// already present as a line: nothing to do
		for _, l := range strings.Split(old, "\n") {
			if l == strings.TrimRight(content, "\n") {
				return old, nil
			}
		}
		if prependNF {
			return ensureNL(content) + old, nil
		}
		return ensureNL(old) + ensureNL(content), nil
	})
}

// wsRegex builds a regex matching s with any whitespace between its words
// (Salt's build_whitespace_split_regex).
func wsRegex(s string) *regexp.Regexp {
	words := strings.Fields(s)
	for i, w := range words {
		words[i] = regexp.QuoteMeta(w)
	}
	return regexp.MustCompile(`(?m)^\s*` + strings.Join(words, `\s+`) + `\s*$`)
}

func appendFn(_ context.Context, env *state.Env, c lowstate.Chunk) *lowstate.Result {
	text := state.ArgList(c, "text")
	if len(text) == 0 {
		return state.Failed("Missing parameter text for state file.append")
	}
	name := c.Name()
	msgs := editMsgs{same: fmt.Sprintf("File %s is in correct state", name), test: fmt.Sprintf("File %s is set to be updated", name),
		// Salt joins difflib's lines of the splitlines() with "\n"
		diff: func(old, nw string) string {
			if strings.IndexByte(old, 0) >= 0 || strings.IndexByte(nw, 0) >= 0 {
				return "Replace binary file"
			}
			return strings.Join(pyDiffLines(pySplitLines(old), pySplitLines(nw)), "\n")
		}}
	return edit(env, c, true, &msgs, func(old string) (string, *lowstate.Result) {
		nw := old
		n := 0
		for _, t := range text {
			for _, l := range strings.Split(strings.TrimRight(t, "\n"), "\n") {
				if strings.TrimSpace(l) != "" && wsRegex(l).MatchString(nw) {
					continue
				}
				nw = ensureNL(nw) + l + "\n"
				n++
			}
		}
		msgs.changed = fmt.Sprintf("Appended %d lines", n)
		return nw, nil
	})
}

// splitKeep splits content into lines without newlines; trailing reports
// whether the content ended with a newline.
func splitKeep(s string) ([]string, bool) {
	if s == "" {
		return nil, true
	}
	trailing := strings.HasSuffix(s, "\n")
	return strings.Split(strings.TrimSuffix(s, "\n"), "\n"), trailing
}

func joinKeep(lines []string, trailing bool) string {
	if len(lines) == 0 {
		return ""
	}
	s := strings.Join(lines, "\n")
	if trailing {
		s += "\n"
	}
	return s
}

func line(_ context.Context, env *state.Env, c lowstate.Chunk) *lowstate.Result {
	mode := state.ArgStr(c, "mode")
	content := state.ArgStr(c, "content")
	if mode == "" {
		return state.Failed("Mode was not defined. How to process the file? (mode: ensure, replace, delete or insert)")
	}
	if content == "" && mode != "delete" {
		return state.Failed("Content can only be empty if mode is \"delete\"")
	}
	matchPat := state.ArgStr(c, "match")
	if matchPat == "" {
		matchPat = regexp.QuoteMeta(content)
	}
	match, err := regexp.Compile(matchPat)
	if err != nil {
		return state.Failed(fmt.Sprintf("Invalid match %q: %v", matchPat, err))
	}
	var before, after *regexp.Regexp
	if b := state.ArgStr(c, "before"); b != "" {
		if before, err = regexp.Compile(b); err != nil {
			return state.Failed(fmt.Sprintf("Invalid before %q: %v", b, err))
		}
	}
	if a := state.ArgStr(c, "after"); a != "" {
		if after, err = regexp.Compile(a); err != nil {
			return state.Failed(fmt.Sprintf("Invalid after %q: %v", a, err))
		}
	}
	location := state.ArgStr(c, "location")
	create := state.ArgBool(c, "create", false)
	msgs := editMsgs{same: "No changes needed to be made", changed: "Changes were made", test: "Changes would be made"}
	return edit(env, c, create, &msgs, func(old string) (string, *lowstate.Result) {
		lines, trailing := splitKeep(old)
		indentOf := func(i int) string {
			if i < 0 || i >= len(lines) || !state.ArgBool(c, "indent", true) {
				return ""
			}
			l := lines[i]
			return l[:len(l)-len(strings.TrimLeft(l, " \t"))]
		}
		find := func(re *regexp.Regexp) int {
			if re == nil {
				return -1
			}
			for i, l := range lines {
				if re.MatchString(l) {
					return i
				}
			}
			return -1
		}
		has := func(from, to int) bool {
			for i := from; i < to && i < len(lines); i++ {
				if i >= 0 && strings.TrimSpace(lines[i]) == strings.TrimSpace(content) {
					return true
				}
			}
			return false
		}
		insertAt := func(i int, ind string) {
			lines = append(lines[:i], append([]string{ind + content}, lines[i:]...)...)
		}
		switch mode {
		case "delete":
			out := lines[:0:0]
			for _, l := range lines {
				if !match.MatchString(l) {
					out = append(out, l)
				}
			}
			lines = out
		case "replace":
			for i, l := range lines {
				if match.MatchString(l) && strings.TrimSpace(l) != strings.TrimSpace(content) {
					lines[i] = indentOf(i) + content
				}
			}
		case "insert", "ensure":
			ai, bi := find(after), find(before)
			switch {
			case mode == "ensure" && after != nil && before != nil:
				if ai < 0 || bi < 0 || bi <= ai {
					return "", state.Failed("Found more than one line between boundaries \"before\" and \"after\", or the boundaries were not found")
				}
				if bi-ai == 2 {
					if strings.TrimSpace(lines[ai+1]) != strings.TrimSpace(content) {
						lines[ai+1] = indentOf(ai) + content
					}
				} else if bi-ai == 1 {
					insertAt(bi, indentOf(ai))
				} else {
					return "", state.Failed("Found more than one line between boundaries \"before\" and \"after\"")
				}
			case after != nil:
				if ai < 0 {
					return "", state.Failed(fmt.Sprintf("Unable to find the line after which to insert (%s)", state.ArgStr(c, "after")))
				}
				if mode == "ensure" && ai+1 < len(lines) && match.MatchString(lines[ai+1]) {
					if strings.TrimSpace(lines[ai+1]) != strings.TrimSpace(content) {
						lines[ai+1] = indentOf(ai) + content
					}
				} else if !has(ai+1, ai+2) {
					insertAt(ai+1, indentOf(ai))
				}
			case before != nil:
				if bi < 0 {
					return "", state.Failed(fmt.Sprintf("Unable to find the line before which to insert (%s)", state.ArgStr(c, "before")))
				}
				if mode == "ensure" && bi > 0 && match.MatchString(lines[bi-1]) {
					if strings.TrimSpace(lines[bi-1]) != strings.TrimSpace(content) {
						lines[bi-1] = indentOf(bi) + content
					}
				} else if !has(bi-1, bi) {
					insertAt(bi, indentOf(bi))
				}
			case mode == "ensure":
				return "", state.Failed("Neither \"before\" nor \"after\" were provided for mode \"ensure\"")
			default: // insert with location
				if has(0, len(lines)) {
					break
				}
				if location == "start" {
					insertAt(0, "")
				} else {
					lines = append(lines, content)
				}
			}
		default:
			return "", state.Failed(fmt.Sprintf("Unknown mode %q: use ensure, replace, delete or insert", mode))
		}
		return joinKeep(lines, trailing || old == ""), nil
	})
}

func blockreplace(_ context.Context, env *state.Env, c lowstate.Chunk) *lowstate.Result {
	start := state.ArgStr(c, "marker_start")
	if start == "" {
		start = "#-- start managed zone --"
	}
	end := state.ArgStr(c, "marker_end")
	if end == "" {
		end = "#-- end managed zone --"
	}
	content := accumulatedContent(env, c, joinContents(c["content"]))
	if content != "" {
		content = ensureNL(content)
	}
	appendNF := state.ArgBool(c, "append_if_not_found", false)
	prependNF := state.ArgBool(c, "prepend_if_not_found", false)
	return edit(env, c, false, &editMsgs{same: "No changes needed to be made", changed: "Changes were made", test: "Changes would be made"},
		func(old string) (string, *lowstate.Result) {
			lines, trailing := splitKeep(old)
			si, ei := -1, -1
			for i, l := range lines {
				if si < 0 && strings.Contains(l, start) {
					si = i
				} else if si >= 0 && strings.Contains(l, end) {
					ei = i
					break
				}
			}
			block := strings.Split(strings.TrimSuffix(content, "\n"), "\n")
			if content == "" {
				block = nil
			}
			if si < 0 || ei < 0 {
				if si >= 0 && ei < 0 {
					return "", state.Failed(fmt.Sprintf("Unable to find the end marker %q in %s", end, c.Name()))
				}
				full := append(append([]string{start}, block...), end)
				switch {
				case appendNF:
					return joinKeep(append(lines, full...), true), nil
				case prependNF:
					return joinKeep(append(full, lines...), trailing || old == ""), nil
				}
				return "", state.Failed(fmt.Sprintf("Unable to find the block markers %q and %q in %s", start, end, c.Name()))
			}
			out := append([]string{}, lines[:si+1]...)
			out = append(out, block...)
			out = append(out, lines[ei:]...)
			return joinKeep(out, trailing), nil
		})
}

// commentRegex builds the per-line regex of comment/uncomment: the pattern
// may carry ^ and $ anchors.
// unanchorRe strips Salt's (?i)-like flags, ^ and $ from a regex (file.comment).
var unanchorRe = regexp.MustCompile(`^(\(\?[iLmsux]\))?\^?(.*?)\$?$`)

// commentEdit runs file.comment or file.uncomment as Salt's states do:
// Salt's searches decide between "already done", "not found" and a change;
// test mode predicts {NAME: "updated"}; the real run edits the matching
// lines as modules/file.py's comment_line does (re.match on each line:
// comment prefixes char, uncomment strips the leading chars) and reports
// the diff.
func commentEdit(env *state.Env, c lowstate.Chunk, cmnt bool) *lowstate.Result {
	name := c.Name()
	if r := checkAbs(name); r != nil {
		return r
	}
	pat := state.ArgStr(c, "regex")
	char := state.ArgStr(c, "char")
	if char == "" {
		char = "#"
	}
	hp := state.HostPath(env, name)
	fi, err := os.Stat(hp)
	if err != nil || !fi.Mode().IsRegular() {
		return state.Failed(fmt.Sprintf("%s: file not found", name))
	}
	old, err := os.ReadFile(hp)
	if err != nil {
		return state.Failed(fmt.Sprintf("Unable to read %s: %v", name, err))
	}
	lines := strings.SplitAfter(string(old), "\n")
	if len(lines) > 0 && lines[len(lines)-1] == "" {
		lines = lines[:len(lines)-1]
	}
	qc := regexp.QuoteMeta(char)
	// the pattern without anchors, as Salt builds its searches
	bare := unanchorRe.ReplaceAllString(pat, "$2")
	if !cmnt {
		bare = strings.TrimPrefix(pat, "^")
	}
	search := func(re string) (bool, error) {
		r, err := regexp.Compile("(?m)" + re)
		if err != nil {
			return false, err
		}
		return r.MatchString(string(old)), nil
	}
	// comment_line's per-line regex, matched at each line's start
	var lineRe string
	if cmnt {
		lineRe = "^" + "(" + strings.TrimSuffix(strings.TrimPrefix(pat, "^"), "$") + ")"
	} else {
		lineRe = "^" + qc + `\s*(` + strings.TrimSuffix(strings.TrimPrefix(pat, "^"), "$") + ")"
	}
	if strings.HasSuffix(pat, "$") {
		lineRe += "$"
	}
	lre, err := regexp.Compile(lineRe)
	if err != nil {
		return state.Failed(fmt.Sprintf("Invalid regex %q: %v", pat, err))
	}
	var done, already string
	if cmnt {
		// ^(?!\s*CHAR)\s*REGEX: a line not commented that matches
		bre, err := regexp.Compile(`^\s*` + bare)
		if err != nil {
			return state.Failed(fmt.Sprintf("Invalid regex %q: %v", pat, err))
		}
		found := false
		for _, l := range lines {
			if !strings.HasPrefix(strings.TrimLeft(l, " \t\r\n\f\v"), char) && bre.MatchString(l) {
				found = true
				break
			}
		}
		if !found {
			if ok, _ := search(qc + bare); ok {
				return state.OK("Pattern already commented")
			}
			if state.ArgBool(c, "ignore_missing", false) {
				return state.OK("Pattern not found and ignore_missing set to True")
			}
			return state.Failed(fmt.Sprintf("%s: Pattern not found", bare))
		}
		done, already = "Commented lines successfully", "Expected commented lines not found"
	} else {
		ok, err := search(qc + `[ \t]*` + bare)
		if err != nil {
			return state.Failed(fmt.Sprintf("Invalid regex %q: %v", pat, err))
		}
		if !ok {
			if ok, _ := search(`^[ \t]*` + bare); ok {
				return state.OK("Pattern already uncommented")
			}
			return state.Failed(fmt.Sprintf("%s: Pattern not found", pat))
		}
		done, already = "Uncommented lines successfully", "Expected uncommented lines not found"
	}
	if env.Test {
		return state.Pending(fmt.Sprintf("File %s is set to be updated", name), map[string]any{name: "updated"})
	}
	changed := false
	nl := make([]string, len(lines))
	for i, l := range lines {
		nl[i] = l
		if lre.MatchString(l) {
			if cmnt {
				nl[i] = char + l
			} else {
				nl[i] = strings.TrimLeft(l, char)
			}
			changed = changed || nl[i] != l
		}
	}
	nw := strings.Join(nl, "")
	ch := map[string]any{}
	if changed {
		if err := backup(env, c, name, hp); err != nil {
			return state.Failed(err.Error())
		}
		if err := state.WriteHostFile(hp, []byte(nw), 0, -1, -1); err != nil {
			return state.Failed(fmt.Sprintf("Unable to write %s: %v", name, err))
		}
		ch["diff"] = UnifiedDiff(old, []byte(nw))
	}
	var ok bool
	if cmnt {
		ok = regexp.MustCompile("(?m)" + qc + bare).MatchString(nw)
	} else {
		ok = regexp.MustCompile(`(?m)^[ \t]*` + bare).MatchString(nw)
	}
	if !ok {
		r := state.Failed(already)
		r.Changes = ch
		return r
	}
	return state.Changed(done, ch)
}

func comment(_ context.Context, env *state.Env, c lowstate.Chunk) *lowstate.Result {
	return commentEdit(env, c, true)
}

func uncomment(_ context.Context, env *state.Env, c lowstate.Chunk) *lowstate.Result {
	return commentEdit(env, c, false)
}
