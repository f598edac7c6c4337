package compile

import (
	"strings"

	"brine/provision/wire/lowstate"
	"brine/provision/wire/spec"
)

// checkSpecs verifies every chunk against the catalog of state functions
// before anything runs on a host: an unknown function, a missing required
// argument, an argument a function without **kwargs does not take, or a
// value of the wrong type (`makedirs: maybe`) is a compile error worded as
// Salt words it (verify_data, format_call), with the file and line. Salt
// finds the first two only on the minion, the third aborts its whole run;
// brine reports all of them before it contacts the host.
func (r *run) checkSpecs(chunks []*chunk) {
	if r.c.cat == nil {
		return
	}
	for _, c := range chunks {
		full := c.State() + "." + c.Fun()
		f, ok := r.c.cat.Func(c.State(), c.Fun())
		if !ok {
			msg := spec.NotFound(full, c.SLS())
			first, rest, _ := strings.Cut(msg, "\n")
			r.errorf("%s%s\n%s", first, at(r.pos(c.Chunk, "")), rest)
			continue
		}
		for _, p := range f.Check(full, c.Chunk) {
			r.errorf("%s%s", p.Msg, at(r.pos(c.Chunk, p.Arg)))
		}
	}
}

// at formats a position suffix: " (file:line)", or "" when unknown.
func at(p Pos) string {
	if p.File == "" {
		return ""
	}
	return " (" + p.String() + ")"
}

// pos finds where argument arg of chunk c is written: the argument's own
// line, else its state declaration's, else its id's.
func (r *run) pos(c lowstate.Chunk, arg string) Pos {
	d, ok := r.high.decls[c.ID()]
	if !ok {
		return Pos{}
	}
	s := d.state(c.State())
	if s == nil {
		return Pos{d.File, d.Line}
	}
	if arg != "" {
		for _, a := range s.Args {
			if a.Key == arg && a.Pos.File != "" {
				return a.Pos
			}
		}
	}
	if s.Pos.File != "" {
		return s.Pos
	}
	return Pos{d.File, d.Line}
}
