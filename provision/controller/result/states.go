package result

import (
	"bytes"
	"encoding/json"
	"fmt"

	"brine/provision/lib/pyfmt"
)

// IsStateFun reports whether fun returns state results (the functions Salt
// prints with the highstate outputter).
func IsStateFun(fun string) bool {
	switch fun {
	case "state.apply", "state.highstate", "state.sls", "state.sls_id", "state.single",
		"state.top", "state.pkg", "state.template", "state.template_str", "state.test",
		"state.request", "state.check_request", "state.run_request":
		return true
	}
	return false
}

// StateCounts sums up a state run: how many states changed something and
// whether any state returned False.
type StateCounts struct {
	Changed int
	Failed  bool
}

// States counts r's state results. It is zero for a function that is not a
// state function and for a host whose run ended in an error.
func (r HostReturn) States() StateCounts {
	var sc StateCounts
	if !IsStateFun(r.Fun) || r.Error != "" {
		return sc
	}
	entries, _ := StateEntries(r.Return)
	for _, info := range entries {
		if b, ok := info["result"].(bool); ok && !b {
			sc.Failed = true
		}
		if HasChanges(info["changes"]) {
			sc.Changed++
		}
	}
	return sc
}

// Succeeded reports whether r counts as a success: it answered and ran to
// its end (no Failure), reported no error or non-zero retcode, and no
// state failed.
func (r HostReturn) Succeeded() bool {
	return !r.Failed() && !r.States().Failed
}

// StateEntries returns the state results in a state function's return by
// tag, in Plain shapes: the entries that are maps with a "result" key. ok
// is false when ret is not a map.
func StateEntries(ret any) (entries map[string]map[string]any, ok bool) {
	m, ok := Plain(ret).(map[string]any)
	if !ok {
		return nil, false
	}
	entries = make(map[string]map[string]any, len(m))
	for tag, v := range m {
		if info, isMap := v.(map[string]any); isMap {
			if _, isState := info["result"]; isState {
				entries[tag] = info
			}
		}
	}
	return entries, true
}

// HasChanges is Python's truth value of a state's changes value.
func HasChanges(v any) bool { return pyfmt.Truth(v) }

// Plain turns any value into plain decoded-JSON shapes (nil, bool, string,
// json.Number, []any, map[string]any), so typed returns such as
// lowstate.Results read exactly like their wire form. Values that cannot be
// encoded become their fmt string.
func Plain(v any) any {
	if isPlain(v) {
		return v
	}
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprint(v)
	}
	d := json.NewDecoder(bytes.NewReader(b))
	d.UseNumber()
	var out any
	if err := d.Decode(&out); err != nil {
		return fmt.Sprint(v)
	}
	return out
}

// isPlain reports whether v already has only Plain's shapes (a return
// decoded with UseNumber, as the job history and jobs.merge hold), so
// Plain can skip its JSON round trip.
func isPlain(v any) bool {
	switch t := v.(type) {
	case nil, bool, string, json.Number:
		return true
	case []any:
		for _, e := range t {
			if !isPlain(e) {
				return false
			}
		}
		return true
	case map[string]any:
		for _, e := range t {
			if !isPlain(e) {
				return false
			}
		}
		return true
	}
	return false
}
