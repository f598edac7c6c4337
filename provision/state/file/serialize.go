package file

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"

	"gopkg.in/yaml.v3"

	"brine/provision/lowstate"
	"brine/provision/state"
)

// serializeData renders dataset with formatter (json: 2-space indent,
// sorted keys, as Salt's defaults; yaml: block style).
func serializeData(v any, formatter string) ([]byte, error) {
	switch formatter {
	case "json", "":
		b, err := json.MarshalIndent(v, "", "  ")
		if err != nil {
			return nil, err
		}
		return append(b, '\n'), nil
	case "yaml":
		var buf bytes.Buffer
		enc := yaml.NewEncoder(&buf)
		enc.SetIndent(2)
		if err := enc.Encode(v); err != nil {
			return nil, err
		}
		enc.Close()
		return buf.Bytes(), nil
	}
	return nil, fmt.Errorf("formatter %q is not supported (json, yaml)", formatter)
}

func serialize(_ context.Context, env *state.Env, c lowstate.Chunk) *lowstate.Result {
	name := c.Name()
	if r := checkAbs(name); r != nil {
		return r
	}
	var data any
	switch {
	case state.HasArg(c, "dataset"):
		data = c["dataset"]
	case state.HasArg(c, "dataset_pillar"):
		v, ok := lookupPath(env.Pillar, state.ArgStr(c, "dataset_pillar"))
		if !ok {
			return state.Failed(fmt.Sprintf("Pillar %s does not exist", state.ArgStr(c, "dataset_pillar")))
		}
		data = v
	default:
		return state.Failed("Neither 'dataset' nor 'dataset_pillar' was defined")
	}
	formatter := state.ArgStr(c, "formatter")
	if formatter == "" {
		formatter = state.ArgStr(c, "serializer")
	}
	want, err := serializeData(data, formatter)
	if err != nil {
		return state.Failed(err.Error())
	}
	p, fail := getPerms(env, c, "mode")
	if fail != nil {
		return fail
	}
	hp := state.HostPath(env, name)
	fi, err := os.Stat(hp)
	if err != nil {
		fi = nil
		if cannotMakeParents(env, c, missingParents(env, name)) {
			return state.Failed(fmt.Sprintf("Parent directory not present: %s (set makedirs: True to create it)", name))
		}
	} else if fi.IsDir() {
		return state.Failed(fmt.Sprintf("Specified target %s is a directory", name))
	}
	ch, err := contentPlan(c, hp, fi, want, p)
	if err != nil {
		return state.Failed(fmt.Sprintf("Unable to read %s: %v", name, err))
	}
	if len(ch) == 0 {
		return state.OK(fmt.Sprintf("File %s is in the correct state", name))
	}
	if env.Test {
		return state.Pending(fmt.Sprintf("Dataset will be serialized and stored into %s", name), ch)
	}
	if fi == nil {
		if err := makeDirs(env, missingParents(env, name), perms{uid: -1, gid: -1}, 0o755); err != nil {
			return state.Failed(err.Error())
		}
	}
	if err := applyContent(hp, ch, want, p); err != nil {
		return state.Failed(fmt.Sprintf("Unable to manage file: %v", err))
	}
	return state.Changed(fmt.Sprintf("File %s updated", name), ch)
}
