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

// editMsgs are a function's comments: unchanged, changed, test mode.
type editMsgs struct{ same, changed, test string }

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
	msgs := editMsgs{same: fmt.Sprintf("File %s is in correct state", name), test: fmt.Sprintf("File %s is set to be updated", name)}
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
func commentRegex(pat string) (*regexp.Regexp, error) {
	return regexp.Compile(pat)
}

func comment(_ context.Context, env *state.Env, c lowstate.Chunk) *lowstate.Result {
	pat := state.ArgStr(c, "regex")
	char := state.ArgStr(c, "char")
	if char == "" {
		char = "#"
	}
	re, err := commentRegex(pat)
	if err != nil {
		return state.Failed(fmt.Sprintf("Invalid regex %q: %v", pat, err))
	}
	name := c.Name()
	msgs := editMsgs{same: "Pattern already commented", changed: "Commented lines successfully", test: fmt.Sprintf("File %s is set to be updated", name)}
	return edit(env, c, false, &msgs, func(old string) (string, *lowstate.Result) {
		lines, trailing := splitKeep(old)
		found, commented := false, false
		for i, l := range lines {
			if strings.HasPrefix(strings.TrimLeft(l, " \t"), char) {
				if re.MatchString(strings.TrimLeft(strings.TrimPrefix(strings.TrimLeft(l, " \t"), char), " ")) {
					commented = true
				}
				continue
			}
			if re.MatchString(l) {
				lines[i] = char + l
				found = true
			}
		}
		if !found && !commented {
			return "", state.Failed(fmt.Sprintf("%s: Pattern not found", pat))
		}
		return joinKeep(lines, trailing), nil
	})
}

func uncomment(_ context.Context, env *state.Env, c lowstate.Chunk) *lowstate.Result {
	pat := state.ArgStr(c, "regex")
	char := state.ArgStr(c, "char")
	if char == "" {
		char = "#"
	}
	re, err := commentRegex(strings.TrimPrefix(pat, "^"))
	if err != nil {
		return state.Failed(fmt.Sprintf("Invalid regex %q: %v", pat, err))
	}
	anchored := strings.HasPrefix(pat, "^")
	name := c.Name()
	msgs := editMsgs{same: "Pattern already uncommented", changed: "Uncommented lines successfully", test: fmt.Sprintf("File %s is set to be updated", name)}
	matches := func(s string) bool {
		if anchored {
			loc := re.FindStringIndex(s)
			return loc != nil && loc[0] == 0
		}
		return re.MatchString(s)
	}
	return edit(env, c, false, &msgs, func(old string) (string, *lowstate.Result) {
		lines, trailing := splitKeep(old)
		found, plain := false, false
		for i, l := range lines {
			t := strings.TrimLeft(l, " \t")
			if strings.HasPrefix(t, char) {
				rest := strings.TrimPrefix(t, char)
				if matches(strings.TrimLeft(rest, " \t")) || matches(rest) {
					lines[i] = l[:len(l)-len(t)] + strings.TrimLeft(rest, " ")
					found = true
				}
				continue
			}
			if matches(t) {
				plain = true
			}
		}
		if !found && !plain {
			return "", state.Failed(fmt.Sprintf("%s: Pattern not found", pat))
		}
		return joinKeep(lines, trailing), nil
	})
}
