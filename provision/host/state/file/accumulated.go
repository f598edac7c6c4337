package file

import (
	"context"
	"fmt"
	"strings"

	"brine/provision/host/state"
	"brine/provision/wire/lowstate"
)

// accumulated is Salt's file.accumulated: it charges the run's accumulator
// for filename with text, for the file.blockreplace (at run time) and
// file.managed (its template, rendered by the compiler) states that its
// require_in or watch_in name. Like Salt it runs in test mode too, so a
// dry run predicts the consumers' content.
func accumulated(_ context.Context, env *state.Env, c lowstate.Chunk) *lowstate.Result {
	name, filename := c.Name(), state.ArgStr(c, "filename")
	text, ok := c["text"]
	if !ok || text == nil {
		return state.Failed("No text supplied for accumulator")
	}
	deps := AccumulatorDeps(c)
	if len(deps) == 0 {
		return state.Failed(fmt.Sprintf("Orphaned accumulator %s in %s:%s", name, c.SLS(), c.ID()))
	}
	texts, isList := text.([]any)
	if !isList {
		texts = []any{text}
	}
	if env.Accum != nil {
		env.Accum.Add(filename, name, texts, deps)
	}
	res := state.OK("")
	if len(texts) > 0 {
		res.Comment = fmt.Sprintf("Accumulator %s for file %s was charged by text", name, filename)
	}
	return res
}

// AccumulatorDeps lists the file states an accumulated chunk feeds: the
// targets of its require_in and watch_in entries of module file. The
// compiler uses it too, to give file.managed templates their
// `accumulator`.
func AccumulatorDeps(c lowstate.Chunk) []string {
	var out []string
	for _, k := range []string{"require_in", "watch_in"} {
		l, _ := c[k].([]any)
		for _, e := range l {
			m, ok := e.(map[string]any)
			if !ok {
				continue
			}
			for mod, v := range m {
				if mod == "file" || strings.HasPrefix(mod, "file.") {
					out = append(out, state.Scalar(v))
				}
			}
		}
	}
	return out
}

// accumulatedContent adds the run's accumulator lines for a blockreplace
// state to its content, joined by newlines as Salt joins them.
func accumulatedContent(env *state.Env, c lowstate.Chunk, content string) string {
	for _, t := range env.Accum.For(c.Name(), c.ID()) {
		line := state.Scalar(t)
		if content == "" {
			content = line
		} else {
			content += "\n" + line
		}
	}
	return content
}
