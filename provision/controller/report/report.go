// Package report prints host returns on the controller the way Salt's
// outputters do: highstate (state runs), nested (other functions), json,
// yaml and txt, streaming one host at a time or, with Options.Static, all
// hosts in one document at the end; Recap sums up the fleet.
//
// Data documents (json, yaml, txt) carry each host's return unchanged. A
// host without a clean return gets salt-ssh's error shape instead:
// unreachable hosts {"_error": "Host unreachable", "retcode": 255,
// "stderr": reason, "stdout": ""}, a function that failed on the host
// {"_error": "The command resulted in a non-zero exit code", "parsed":
// None, ...} (salt-ssh 3007.1's), other failures the same with "_error":
// "Failed to return clean data", and state functions that failed to compile
// the list of error strings Salt returns (when states ran before an error,
// their results are kept and the error shows only in human output). See
// Data.
package report

import (
	"fmt"
	"io"
	"sort"
	"strings"
	"time"

	"brine/provision/controller/result"
	"brine/provision/lib/termtext"
)

// HostReturn is one host's answer; see package result.
type HostReturn = result.HostReturn

// Options tune the human outputters.
type Options struct {
	// Color turns on Salt's ANSI colours.
	Color bool
	// StateOutput is full (default), terse, mixed, changes or filter, as
	// Salt's --state-output; mixed prints only failures in full, changes
	// prints failures and changes in full, filter prints in full (Salt's
	// state_output_exclude and state_output_terse are not offered). A
	// "_id" suffix (terse_id) shows the state ID in place of the name, as
	// in Salt.
	StateOutput string
	// StateVerbose shows states that succeeded without changes; false hides
	// them (Salt's --state-verbose=false).
	StateVerbose bool
	// Static prints all hosts in one document from Finish instead of one
	// host per Host call.
	Static bool
	// Meta, when set, is written into a static json document under
	// MetaKey (read when Finish runs, so it may be filled in after New).
	Meta *Meta
	// Indent, when set, is Salt's --out-indent: json indented by that
	// many spaces (negative: one line, as Python's json.dumps without
	// indent), yaml's blocks by it (2 to 9; negative: flow style).
	Indent *int
}

// Printer prints host returns in one output format.
type Printer interface {
	// Host prints one host as it finishes (nothing with Options.Static).
	Host(r HostReturn) error
	// Finish prints all hosts in one document with Options.Static; without
	// it, Finish prints nothing.
	Finish(all []HostReturn) error
}

// Outputters lists the names New accepts.
func Outputters() []string {
	return []string{"highstate", "nested", "json", "yaml", "txt"}
}

// New returns the printer for output format out ("" means highstate, which
// prints non-state functions with the nested format, as Salt does).
func New(w io.Writer, out string, o Options) (Printer, error) {
	switch strings.TrimSuffix(o.StateOutput, "_id") {
	case "":
		o.StateOutput = "full"
	case "full", "terse", "mixed", "changes", "filter":
	default:
		return nil, fmt.Errorf("unknown state output %q: use full, terse, mixed, changes or filter (optionally with _id)", o.StateOutput)
	}
	var f func(HostReturn) string
	switch out {
	case "", "highstate":
		f = func(r HostReturn) string {
			if IsStateFun(r.Fun) {
				return formatHighstate(r, o)
			}
			return formatNested(r, o)
		}
	case "nested":
		f = func(r HostReturn) string { return formatNested(r, o) }
	case "txt":
		f = formatTxt
	case "json":
		return &docPrinter{w: w, static: o.Static, enc: jsonEncoder(o.Indent), meta: o.Meta}, nil
	case "yaml":
		return &docPrinter{w: w, static: o.Static, enc: yamlEncoder(o.Indent)}, nil
	default:
		return nil, fmt.Errorf("unknown outputter %q: use one of %s", out, strings.Join(Outputters(), ", "))
	}
	return &linePrinter{w: w, static: o.Static, format: f}, nil
}

// IsStateFun reports whether fun returns state results (the functions Salt
// prints with the highstate outputter); see result.IsStateFun.
func IsStateFun(fun string) bool { return result.IsStateFun(fun) }

// linePrinter prints the human formats: each host's text ends in a newline.
type linePrinter struct {
	w      io.Writer
	static bool
	format func(HostReturn) string
}

func (p *linePrinter) Host(r HostReturn) error {
	if p.static {
		return nil
	}
	return p.write(r)
}

func (p *linePrinter) Finish(all []HostReturn) error {
	if !p.static {
		return nil
	}
	for _, r := range all {
		if err := p.write(r); err != nil {
			return err
		}
	}
	return nil
}

func (p *linePrinter) write(r HostReturn) error {
	// One write, newline included: a host's text is never split by what
	// others write to the same terminal (stderr's lines) in between.
	if _, err := io.WriteString(p.w, p.format(r)+"\n"); err != nil {
		return fmt.Errorf("write output for %s: %w", r.ID, err)
	}
	return nil
}

// Data returns what a host contributes to a data document (json, yaml,
// txt): the return itself; for a state function that failed to compile, the
// list of errors (Salt's shape); for an unreachable host or any other
// error, salt-ssh's error shape {"_error", "retcode", "stderr", "stdout"}.
func Data(r HostReturn) any {
	if r.Unreachable {
		rc := r.Retcode
		if rc == 0 {
			rc = 255
		}
		return map[string]any{"_error": "Host unreachable", "retcode": rc, "stderr": r.Error, "stdout": ""}
	}
	if r.Error == "" {
		return r.Return
	}
	if IsStateFun(r.Fun) {
		if rows, _ := stateRows(r.Return); len(rows) > 0 {
			return r.Return // states ran: keep Salt's shape
		}
		if r.Failure == "" || r.Failure == result.CompileFailed {
			return compileErrors(r)
		}
	}
	if _, isList := r.Return.([]any); isList && r.Failure == result.CompileFailed && strings.HasPrefix(r.Fun, "state.") {
		// state.show_lowstate and friends return the compile's errors
		// as Salt lists them
		return compileErrors(r)
	}
	rc := r.Retcode
	if rc == 0 {
		rc = 1
	}
	stdout := ""
	if s, ok := r.Return.(string); ok {
		stdout = s
	}
	d := map[string]any{"_error": Heading(r), "retcode": rc, "stderr": r.Error, "stdout": stdout}
	if r.Failure == "" {
		// A function that failed on the host (salt-call printed an error
		// and exited non-zero): salt-ssh's SSHCommandExecutionError shape.
		d["parsed"] = nil
	}
	return d
}

// Heading names what went wrong with a host, for the outputters: Salt's
// words where salt-ssh has them ("Host unreachable", "Failed to return
// clean data"), else the failure class ("Connection lost", "Interrupted",
// "Timed out", "Upload failed", "Not run", "Data failed to compile").
func Heading(r HostReturn) string {
	switch {
	case r.Unreachable:
		return "Host unreachable"
	case r.Failure == result.CompileFailed:
		return "Data failed to compile"
	case r.Failure == "":
		return "The command resulted in a non-zero exit code"
	case r.Failure == result.ExecutorFailed:
		return "Failed to return clean data"
	}
	return strings.ToUpper(r.Failure[:1]) + r.Failure[1:]
}

// compileErrors returns a state function's errors as a list of strings:
// the Return when it already is one, else the Error.
func compileErrors(r HostReturn) []string {
	return errorList(r.Return, r.Error)
}

// errorList returns v as a list of strings when it is one, else
// []string{fallback}.
func errorList(v any, fallback string) []string {
	list, ok := generic(v).([]any)
	if !ok || len(list) == 0 {
		return []string{fallback}
	}
	out := make([]string, 0, len(list))
	for _, e := range list {
		s, ok := e.(string)
		if !ok {
			return []string{fallback}
		}
		out = append(out, s)
	}
	return out
}

// Recap prints the fleet summary after all hosts: hosts targeted,
// succeeded, failed and unreachable (with names), states changed and the
// three slowest hosts.
func Recap(w io.Writer, all []HostReturn, o Options) error {
	c := colors(o.Color)
	var ok, failed, unreachable, notRun []string
	changed := 0
	for _, r := range all {
		st := hostStatus(r)
		changed += st.changed
		switch {
		case r.Unreachable:
			unreachable = append(unreachable, r.ID)
		case r.Failure == result.NotRun:
			notRun = append(notRun, r.ID)
		case st.failed:
			failed = append(failed, r.ID)
		default:
			ok = append(ok, r.ID)
		}
	}
	slow := make([]HostReturn, 0, len(all))
	for _, r := range all {
		if r.Duration > 0 {
			slow = append(slow, r)
		}
	}
	sort.SliceStable(slow, func(i, j int) bool { return slow[i].Duration > slow[j].Duration })
	if len(slow) > 3 {
		slow = slow[:3]
	}

	line := func(color, label string, n int, names []string) string {
		s := fmt.Sprintf("%s%-16s%5d%s", color, label+":", n, c.endc)
		if len(names) > 0 {
			s += "  (" + nameList(names, 10) + ")"
		}
		return s
	}
	failColor := func(n int) string {
		if n > 0 {
			return c.red
		}
		return c.cyan
	}
	lines := []string{
		"",
		c.cyan + "Fleet recap" + c.endc,
		c.cyan + strings.Repeat("-", 21) + c.endc,
		line(c.cyan, "Hosts targeted", len(all), nil),
		line(c.green, "Succeeded", len(ok), nil),
		line(failColor(len(failed)), "Failed", len(failed), failed),
		line(failColor(len(unreachable)), "Unreachable", len(unreachable), unreachable),
	}
	if len(notRun) > 0 {
		lines = append(lines, line(c.red, "Not run", len(notRun), notRun))
	}
	lines = append(lines, line(c.cyan, "States changed", changed, nil))
	if len(slow) > 0 {
		parts := make([]string, len(slow))
		for i, r := range slow {
			parts[i] = fmt.Sprintf("%s (%s)", termtext.Line(r.ID), seconds(r.Duration))
		}
		lines = append(lines, fmt.Sprintf("%s%-16s%s %s", c.cyan, "Slowest hosts:", c.endc, strings.Join(parts, ", ")))
	}
	if _, err := io.WriteString(w, strings.Join(lines, "\n")+"\n"); err != nil {
		return fmt.Errorf("write recap: %w", err)
	}
	return nil
}

// nameList joins up to max names, then says how many more there are.
func nameList(names []string, max int) string {
	more := ""
	if len(names) > max {
		names, more = names[:max], fmt.Sprintf(", and %d more", len(names)-max)
	}
	return termtext.Line(strings.Join(names, ", ")) + more
}

func seconds(d time.Duration) string {
	return fmt.Sprintf("%.3f s", d.Seconds())
}

// status is what Recap needs to know about one host.
type status struct {
	failed  bool
	changed int
}

// hostStatus tells whether a host failed (error, non-zero retcode or a
// False state result) and how many of its states changed something.
func hostStatus(r HostReturn) status {
	sc := r.States()
	return status{failed: r.Failed() || sc.Failed, changed: sc.Changed}
}
