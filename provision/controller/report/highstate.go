package report

import (
	"encoding/json"
	"fmt"
	"sort"
	"strconv"
	"strings"

	"brine/provision/controller/result"
	"brine/provision/lib/pyfmt"
	"brine/provision/lib/termtext"
	"brine/provision/wire/lowstate"
)

// row is one state's return, parsed from a generic result map.
type row struct {
	tag                  string
	state, id, name, fun string
	result               *bool
	comment              string
	changes              any
	changed              bool
	hasStart             bool
	start                string
	duration             float64
	durationText         string
	runNum               int
	warnings             []string
}

// stateRows parses a state function's return into rows in run order; ok is
// false when ret is not a map. The rows' text came from the host: it is
// escaped here (termtext), once, for every outputter that shows it.
func stateRows(ret any) ([]row, bool) {
	entries, ok := result.StateEntries(ret)
	if !ok {
		return nil, false
	}
	rows := make([]row, 0, len(entries))
	for tag, info := range entries {
		res := info["result"]
		r := row{tag: tag}
		r.state, r.id, r.name, r.fun = lowstate.SplitTag(tag)
		r.state, r.id, r.name, r.fun = termtext.Escape(r.state), termtext.Escape(r.id), termtext.Escape(r.name), termtext.Escape(r.fun)
		if b, ok := res.(bool); ok {
			r.result = &b
		}
		r.comment = termtext.Escape(commentText(info["comment"]))
		r.changes = info["changes"]
		r.changed = result.HasChanges(r.changes)
		r.runNum = int(number(info["__run_num__"]))
		if st, ok := info["start_time"].(string); ok && st != "" {
			r.hasStart = true
			r.start = termtext.Line(st)
		}
		switch d := info["duration"].(type) {
		case json.Number:
			r.duration = number(d)
			r.durationText = pyfmt.Float(r.duration)
		case string:
			r.durationText = termtext.Line(strings.TrimSuffix(strings.TrimSpace(d), " ms"))
			r.duration, _ = strconv.ParseFloat(r.durationText, 64)
		}
		if ws, ok := info["warnings"].([]any); ok {
			for _, w := range ws {
				r.warnings = append(r.warnings, termtext.Escape(fmt.Sprint(w)))
			}
		}
		rows = append(rows, r)
	}
	sort.Slice(rows, func(i, j int) bool {
		if rows[i].runNum != rows[j].runNum {
			return rows[i].runNum < rows[j].runNum
		}
		return rows[i].tag < rows[j].tag
	})
	return rows, true
}

func number(v any) float64 {
	if n, ok := v.(json.Number); ok {
		f, _ := n.Float64()
		return f
	}
	return 0
}

// commentText flattens a comment (string or list of strings) to text.
func commentText(v any) string {
	switch t := v.(type) {
	case nil:
		return ""
	case string:
		return t
	case []any:
		parts := make([]string, len(t))
		for i, e := range t {
			parts[i] = pyfmt.Str(e)
		}
		return strings.Join(parts, "\n")
	}
	return pyfmt.Str(v)
}

// formatHighstate prints one host's state run like Salt's highstate
// outputter: a block (or terse line) per state, then the summary.
func formatHighstate(r HostReturn, o Options) string {
	c := colors(o.Color)
	if r.Unreachable || (r.Error != "" && !IsStateFun(r.Fun)) {
		return formatNested(r, o)
	}
	id := termtext.Escape(r.ID)
	if r.Error != "" {
		msg := strings.ReplaceAll(strings.TrimRight(termtext.Escape(r.Error), "\n"), "\n", "\n    ")
		if rows, _ := stateRows(r.Return); len(rows) > 0 {
			// The run stopped after some states ran (an error, an
			// interruption, a lost connection): show them, then why.
			head := "Error: "
			if r.Failure != "" && r.Failure != result.ExecutorFailed {
				head = Heading(r) + ": "
				msg = strings.TrimPrefix(msg, r.Failure+": ")
			}
			return formatStates(id, rows, o, c) + "\n" + c.lightRed + head + msg + c.endc
		}
		if r.Failure == "" || r.Failure == result.CompileFailed {
			return formatCompileErrors(id, compileErrors(r), c)
		}
		return formatNested(r, o)
	}
	data := generic(r.Return)
	switch t := data.(type) {
	case string, json.Number:
		// Text returns (e.g. "No Top file or master_tops data matches
		// found") count as a change, as in Salt.
		var out text
		out.line(c.cyan, id, ":", c.endc)
		eachLine(fmt.Sprint(t), func(_ int, l string) { out.line(c.green, "    ", termtext.Escape(l), c.endc) })
		return out.String()
	case []any:
		return formatCompileErrors(id, errorList(t, pyfmt.Repr(t)), c)
	case map[string]any:
		rows, _ := stateRows(t)
		if len(rows) == 0 && len(t) > 0 {
			return formatNested(r, o)
		}
		return formatStates(id, rows, o, c)
	}
	return formatNested(r, o)
}

// formatCompileErrors prints errors returned instead of state results
// (host escaped already; the errors are escaped here).
func formatCompileErrors(host string, errs []string, c palette) string {
	lines := []string{
		c.lightRed + host + ":" + c.endc,
		"    " + c.lightRed + "Data failed to compile:" + c.endc,
	}
	for _, e := range errs {
		e = strings.ReplaceAll(strings.TrimRight(termtext.Escape(e), "\n"), "\n", "\n    ")
		lines = append(lines, c.lightRed+"----------\n    "+e+c.endc)
	}
	return strings.Join(lines, "\n")
}

// formatStates prints the state blocks and the summary of one host.
func formatStates(host string, rows []row, o Options, c palette) string {
	hcolor := c.green
	var out []string
	succeeded, failed, notRun, warnings, nchanges := 0, 0, 0, 0, 0
	total := 0.0
	for _, s := range rows {
		switch {
		case s.result == nil:
			notRun++
		case *s.result:
			succeeded++
		default:
			failed++
		}
		total += s.duration
		if s.changed {
			nchanges++
		}
		ok := s.result != nil && *s.result
		if !o.StateVerbose && ok && !s.changed {
			continue
		}
		tcolor := c.green
		if s.changed {
			tcolor = c.cyan
		}
		if s.result == nil {
			hcolor, tcolor = c.lightYellow, c.lightYellow
		} else if !*s.result {
			hcolor, tcolor = c.red, c.red
		}
		if strings.HasSuffix(o.StateOutput, "_id") {
			s.name = s.id
		}
		terse := false
		switch strings.TrimSuffix(o.StateOutput, "_id") {
		case "terse":
			terse = true
		case "mixed":
			terse = s.result == nil || *s.result
		case "changes":
			terse = ok && !s.changed
		}
		if terse {
			out = append(out, terseLine(s, tcolor, c))
			continue
		}
		out = append(out, fullBlock(s, tcolor, c)...)
		if len(s.warnings) > 0 {
			warnings += len(s.warnings)
			text := wrap(strings.Join(s.warnings, "\n"), 80, 14)
			out = append(out, "   "+c.lightRed+" Warnings: "+strings.TrimLeft(text, " ")+c.endc)
		}
	}
	out = append(out, summary(host, succeeded, failed, notRun, warnings, nchanges, total, c)...)
	return strings.Join(append([]string{hcolor + host + ":" + c.endc}, out...), "\n")
}

// terseLine is Salt's one-line form of a state (highstate.py
// _format_terse, state_output_profile on): " Name: NAME - Function:
// MOD.FUN - Result: Clean - Started: T - Duration: D ms", its warnings on
// the lines before it.
func terseLine(s row, tcolor string, c palette) string {
	result := "Clean"
	if s.changed {
		result = "Changed"
	}
	if s.result == nil {
		result = "Differs"
	} else if !*s.result {
		result = "Failed"
	}
	msg := ""
	if len(s.warnings) > 0 {
		msg = c.lightRed + "Warnings:\n" + strings.Join(s.warnings, "\n") + c.endc
	}
	msg += fmt.Sprintf(" %s Name: %s - Function: %s.%s - Result: %s", tcolor, s.name, s.state, s.fun, result)
	if s.hasStart {
		msg += fmt.Sprintf(" - Started: %s - Duration: %s ms", s.start, s.durationText)
	}
	return msg + c.endc
}

// fullBlock is Salt's multi-line form of a state.
func fullBlock(s row, tcolor string, c palette) []string {
	field := func(label, value string) string {
		return "    " + tcolor + fmt.Sprintf("%8s: ", label) + value + c.endc
	}
	comment := strings.ReplaceAll(strings.TrimSpace(s.comment), "\n", "\n"+strings.Repeat(" ", 14))
	lines := []string{
		tcolor + "----------" + c.endc,
		field("ID", s.id),
		field("Function", s.state+"."+s.fun),
	}
	if s.id != s.name {
		lines = append(lines, field("Name", s.name))
	}
	lines = append(lines, field("Result", pyfmt.Repr(s.result)), field("Comment", comment))
	if s.hasStart {
		d := ""
		if s.durationText != "" {
			d = s.durationText + " ms"
		}
		lines = append(lines, field("Started", s.start), field("Duration", d))
	}
	ctext := ""
	if s.changed {
		if _, ok := s.changes.(map[string]any); ok {
			ctext = "\n" + nested(s.changes, 14, c, 0)
		} else {
			ctext = "Invalid Changes data: " + termtext.Escape(pyfmt.Repr(s.changes))
		}
	}
	return append(lines, tcolor+"     Changes:   "+ctext+c.endc)
}

// summary is the "Summary for HOST" block with Salt's column alignment.
func summary(host string, succeeded, failed, notRun, warnings, nchanges int, totalMS float64, c palette) []string {
	countMax := 0
	for _, n := range []int{succeeded, failed, notRun, warnings} {
		if n > 0 {
			countMax = max(countMax, len(strconv.Itoa(n)))
		}
	}
	width := len("Succeeded") + countMax + 2
	counts := func(label string, n int) string {
		return fmt.Sprintf("%s: %*d", label, width-(len(label)+2), n)
	}
	var stats []string
	if notRun > 0 {
		stats = append(stats, c.lightYellow+fmt.Sprintf("unchanged=%d", notRun)+c.endc)
	}
	if nchanges > 0 {
		stats = append(stats, c.green+fmt.Sprintf("changed=%d", nchanges)+c.endc)
	}
	changestats := ""
	if len(stats) > 0 {
		changestats = " (" + strings.Join(stats, ", ") + ")"
	}
	failColor := c.cyan
	if failed > 0 {
		failColor = c.red
	}
	lines := []string{
		c.cyan + "\nSummary for " + host + "\n" + strings.Repeat("-", width) + c.endc,
		c.green + counts("Succeeded", succeeded+notRun) + c.endc + changestats,
		failColor + counts("Failed", failed) + c.endc,
	}
	if warnings > 0 {
		lines = append(lines, c.lightRed+counts("Warnings", warnings)+c.endc)
	}
	lines = append(lines, c.cyan+strings.Repeat("-", width)+
		fmt.Sprintf("\nTotal states run: %*d", width-7, succeeded+failed+notRun)+c.endc)
	unit := "ms"
	if totalMS > 999 {
		totalMS /= 1000
		unit = "s"
	}
	lines = append(lines, c.cyan+fmt.Sprintf("Total run time: %*s %s", width-5, fmt.Sprintf("%.3f", totalMS), unit)+c.endc)
	return lines
}

// wrap fills text to width columns, every line indented by indent spaces
// (Python's textwrap.fill with initial and subsequent indents).
func wrap(text string, width, indent int) string {
	pad := strings.Repeat(" ", indent)
	var lines []string
	cur := pad
	for _, w := range strings.Fields(text) {
		if cur != pad && len(cur)+1+len(w) > width {
			lines = append(lines, cur)
			cur = pad
		}
		if cur == pad {
			cur += w
		} else {
			cur += " " + w
		}
	}
	return strings.Join(append(lines, cur), "\n")
}
