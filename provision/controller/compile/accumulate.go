package compile

import (
	"brine/provision/host/state/file"
	"brine/provision/lib/pyfmt"
)

// accumulators gathers the file.accumulated chunks (in run order) into
// Salt's accumulator data: target file name -> accumulator name -> text
// items. file.managed templates of that file see it as `accumulator`, as
// they do under Salt, where the accumulated states ran before them
// (require_in). Accumulators without a file require_in/watch_in are
// orphans: Salt fails them, and they feed nothing.
func accumulators(chunks []*chunk) map[string]map[string]any {
	out := map[string]map[string]any{}
	for _, c := range chunks {
		if c.State() != "file" || c.Fun() != "accumulated" || len(file.AccumulatorDeps(c.Chunk)) == 0 {
			continue
		}
		text, ok := c.Chunk["text"]
		if !ok || text == nil {
			continue
		}
		fn := c.Chunk.Str("filename")
		if out[fn] == nil {
			out[fn] = map[string]any{}
		}
		items, _ := out[fn][c.Name()].([]any)
		add := []any{text}
		if l, isList := text.([]any); isList {
			add = l
		}
		for _, t := range add {
			if !containsValue(items, t) {
				items = append(items, t)
			}
		}
		out[fn][c.Name()] = items
	}
	return out
}

func containsValue(l []any, v any) bool {
	for _, x := range l {
		if pyfmt.Str(x) == pyfmt.Str(v) {
			return true
		}
	}
	return false
}
