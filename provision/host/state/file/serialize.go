package file

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"reflect"

	"gopkg.in/yaml.v3"

	"brine/provision/host/state"
	"brine/provision/lib/pyfmt"
	"brine/provision/wire/lowstate"
)

// serializers are the formats of Salt's salt/serializers that brine
// writes, as Salt's serializers lay them out (see serial.go).
func serializers() map[string]func(v any) ([]byte, error) {
	return map[string]func(v any) ([]byte, error){
		"yaml": func(v any) ([]byte, error) {
			s, err := pyfmt.YAML(v, pyfmt.Block)
			return []byte(s + "\n"), err
		},
		"json": func(v any) ([]byte, error) {
			s, err := pyfmt.JSON(v, 2, true)
			return []byte(s + "\n"), err
		},
		"toml":         textSerializer(tomlDumps),
		"configparser": textSerializer(configParserDumps),
		"keyvalue":     textSerializer(keyValueDumps),
		"plist":        plistDumps,
		"msgpack":      msgpackDumps,
		"python":       textSerializer(pformat),
	}
}

// textSerializer adds the newline file.serialize adds to text formats.
func textSerializer(f func(v any) (string, error)) func(v any) ([]byte, error) {
	return func(v any) ([]byte, error) {
		s, err := f(v)
		return []byte(s + "\n"), err
	}
}

// deserializers read an existing file for merge_if_exists.
func deserializers() map[string]func(b []byte) (any, error) {
	return map[string]func(b []byte) (any, error){
		"yaml": func(b []byte) (any, error) {
			var v any
			err := yaml.Unmarshal(b, &v)
			return v, err
		},
		"json": func(b []byte) (any, error) {
			var v any
			err := json.Unmarshal(b, &v)
			return v, err
		},
	}
}

// plain turns the dataset into the data Salt's serializers see: numbers
// that arrived as integral floats (every number crosses the wire as JSON)
// become integers again, YAML maps get string keys.
func plain(v any) any {
	switch t := v.(type) {
	case float64:
		return pyfmt.Ints(t)
	case map[string]any:
		out := make(map[string]any, len(t))
		for k, x := range t {
			out[k] = plain(x)
		}
		return out
	case map[any]any:
		out := make(map[string]any, len(t))
		for k, x := range t {
			out[state.Scalar(k)] = plain(x)
		}
		return out
	case []any:
		out := make([]any, len(t))
		for i, x := range t {
			out[i] = plain(x)
		}
		return out
	}
	return v
}

// mergeRecurse is Salt's dictupdate.merge_recurse: b's keys win, nested
// dictionaries merge, lists are replaced.
func mergeRecurse(a, b any) any {
	am, aok := a.(map[string]any)
	bm, bok := b.(map[string]any)
	if !aok || !bok {
		return b
	}
	out := make(map[string]any, len(am)+len(bm))
	for k, v := range am {
		out[k] = v
	}
	for k, v := range bm {
		out[k] = mergeRecurse(out[k], v)
	}
	return out
}

// serialize is Salt's file.serialize: dataset (or the pillar value
// dataset_pillar) written with serializer (default yaml; formatter is the
// older name) into name, as file.managed would write that content.
func serialize(ctx context.Context, env *state.Env, c lowstate.Chunk) *lowstate.Result {
	name := c.Name()
	if r := checkAbs(name); r != nil {
		return r
	}
	hp := state.HostPath(env, name)
	if !state.ArgBool(c, "create", true) {
		if fi, err := os.Stat(hp); err != nil || !fi.Mode().IsRegular() {
			return state.OK(fmt.Sprintf("File %s is not present and is not set for creation", name))
		}
	}
	ser, fmtr := state.ArgStr(c, "serializer"), state.ArgStr(c, "formatter")
	if ser != "" && fmtr != "" {
		return state.Failed("Only one of serializer and formatter are allowed")
	}
	if ser == "" {
		ser = fmtr
	}
	if ser == "" {
		ser = "yaml"
	}
	ser = lowerASCII(ser)
	if state.HasArg(c, "dataset") && state.HasArg(c, "dataset_pillar") {
		return state.Failed("Only one of 'dataset' and 'dataset_pillar' is permitted")
	}
	data := c["dataset"]
	if p := state.ArgStr(c, "dataset_pillar"); p != "" {
		data, _ = lookupPath(env.Pillar, p)
	}
	if data == nil {
		return state.Failed("Neither 'dataset' nor 'dataset_pillar' was defined")
	}
	dump, ok := serializers()[ser]
	if !ok {
		if ser == "yamlex" {
			return state.Failed("The yamlex serializer is not supported by brine (it writes yaml, json, toml, configparser, keyvalue, plist, msgpack and python)")
		}
		return state.Failed(fmt.Sprintf("The %s serializer could not be found. It either does not exist or its prerequisites are not installed.", ser))
	}
	data = plain(data)
	if state.ArgBool(c, "merge_if_exists", false) {
		if b, err := os.ReadFile(hp); err == nil {
			load, ok := deserializers()[ser]
			if !ok {
				return state.Failed(fmt.Sprintf("merge_if_exists is not supported for the %s serializer", ser))
			}
			old, err := load(b)
			if err != nil {
				return state.Failed(fmt.Sprintf("Failed to deserialize existing data: %v", err))
			}
			if old = plain(old); old != nil {
				merged := mergeRecurse(old, data)
				if reflect.DeepEqual(old, merged) {
					return state.OK(fmt.Sprintf("The file %s is in the correct state", name))
				}
				data = merged
			}
		}
	}
	want, err := dump(data)
	if err != nil {
		return state.Failed(fmt.Sprintf("Failed to serialize the dataset with %s: %v", ser, err))
	}
	return writeContent(ctx, env, c, name, want, contentMsgs{
		test: fmt.Sprintf("Dataset will be serialized and stored into %s", name),
		same: fmt.Sprintf("The file %s is in the correct state", name),
	})
}

func lowerASCII(s string) string {
	b := []byte(s)
	for i, ch := range b {
		if ch >= 'A' && ch <= 'Z' {
			b[i] = ch + 'a' - 'A'
		}
	}
	return string(b)
}

// contentMsgs are a content-writing function's test-mode comments; the
// real run's are file.manage_file's: 'File NAME updated', 'File NAME is in
// the correct state'.
type contentMsgs struct{ test, same string }

// writeContent manages name's content, owner and mode as file.manage_file
// does for file.serialize: makedirs, backup, show_changes and check_cmd
// (run against the new content in a temp file).
func writeContent(ctx context.Context, env *state.Env, c lowstate.Chunk, name string, want []byte, msgs contentMsgs) *lowstate.Result {
	p, fail := getPerms(env, c, "mode")
	if fail != nil {
		return fail
	}
	hp := state.HostPath(env, name)
	fi, err := os.Stat(hp)
	if err != nil {
		fi = nil
	} else if fi.IsDir() {
		return state.Failed(fmt.Sprintf("Specified target %s is a directory", name))
	}
	if fi == nil {
		// Salt: check_managed_changes predicts {"newfile": NAME};
		// manage_file writes it as it writes contents
		if env.Test {
			return state.Pending(msgs.test, map[string]any{"newfile": name})
		}
		return newFile(ctx, env, c, name, hp, p, want, true)
	}
	ch, err := contentPlan(c, hp, fi, want, p)
	if err != nil {
		return state.Failed(fmt.Sprintf("Unable to read %s: %v", name, err))
	}
	if len(ch) == 0 {
		if env.Test {
			return state.OK(msgs.same)
		}
		return state.OK(fmt.Sprintf("File %s is in the correct state", name))
	}
	if env.Test {
		return state.Pending(msgs.test, ch)
	}
	parents := missingParents(env, name)
	if fi == nil && len(parents) > 0 && !state.ArgBool(c, "makedirs", false) {
		return state.Failed("Parent directory not present")
	}
	if _, ok := ch["diff"]; ok && state.HasArg(c, "check_cmd") {
		if r := fileCheckCmd(ctx, env, c, want); r != nil {
			return r
		}
	}
	if err := makeDirs(env, parents, p, 0o755); err != nil {
		return state.Failed(err.Error())
	}
	if fi != nil {
		if err := backup(env, c, name, hp); err != nil {
			return state.Failed(err.Error())
		}
	}
	if err := applyContent(hp, ch, want, p); err != nil {
		return state.Failed(fmt.Sprintf("Unable to manage file: %v", err))
	}
	return state.Changed(fmt.Sprintf("File %s updated", name), ch)
}
