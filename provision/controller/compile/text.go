package compile

import (
	"context"
	"fmt"
)

// Text compiles SLS text given on the command line rather than read from
// the file roots (state.template_str, state.single, state.low): rendered
// with Jinja when render is set, read as the SLS named sls of saltenv,
// with the host's pillar, and compiled as a highstate of that one SLS.
func (c *Compiler) Text(ctx context.Context, h Host, saltenv, sls, text string, render bool) (*Result, error) {
	if saltenv == "" {
		saltenv = "base"
	}
	r := c.newRun(ctx, h)
	if err := r.compilePillar(); err != nil {
		return nil, err
	}
	r.mods[saltenv+":"+sls] = true
	if render {
		vars := r.baseVars(saltenv, false)
		slsVars(vars, sls, sls+".sls", "<"+sls+">")
		out, err := r.render(r.c.envRenderer(saltenv, false), "<"+sls+">", []byte(text), vars, "")
		if err != nil {
			return nil, fmt.Errorf("Rendering SLS '%s:%s' failed: %v", saltenv, sls, err)
		}
		text = out
	}
	if st := r.stateFromText(saltenv, sls, "<"+sls+">", sls+".sls", text); st != nil {
		r.merge(r.high, st)
	}
	return r.finish()
}
