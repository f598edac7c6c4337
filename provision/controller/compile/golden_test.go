package compile

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"brine/provision/host/modules"
	"brine/provision/host/state"
	"brine/provision/host/state/hostcmd"
	"brine/provision/wire/lowstate"
)

// goldenCase is case.json: what to compile and show.
type goldenCase struct {
	SLS     []string       `json:"sls"`
	Saltenv string         `json:"saltenv"`
	Pillar  map[string]any `json:"pillar"`
	Show    string         `json:"show"` // lowstate (default), highstate, top, pillar
	// Commands are the target's canned command answers (the first whose
	// Match the command line contains) for the execution modules templates
	// call; the target's files are the case's target/ directory.
	Commands []struct {
		Match   string `json:"match"`
		Stdout  string `json:"stdout"`
		Retcode int    `json:"retcode"`
	} `json:"commands"`
}

// goldenWant is expected.json, written by hand from Salt's documentation.
type goldenWant struct {
	Low           json.RawMessage              `json:"low"`
	High          json.RawMessage              `json:"high"`
	Top           json.RawMessage              `json:"top"`
	Pillar        json.RawMessage              `json:"pillar"`
	Errors        []string                     `json:"errors"`
	ErrorContains []string                     `json:"error_contains"`
	Files         map[string]string            `json:"files"`
	Recurse       map[string]map[string]string `json:"recurse"`
	// NeedsTarget is whether the compile without a target session stops
	// with ErrNeedsTarget (as the runner sees it); TargetCalls, when set,
	// is how many calls then reached the target.
	NeedsTarget *bool `json:"needs_target"`
	TargetCalls *int  `json:"target_calls"`
	// Fail is the run-time failure the compiler leaves on chunks, by name
	// (lowstate.KeyFail); chunks not named here must have none.
	Fail map[string]lowstate.Failure `json:"fail"`
}

func readJSON(t *testing.T, p string, v any) bool {
	t.Helper()
	b, err := os.ReadFile(p)
	if errors.Is(err, os.ErrNotExist) {
		return false
	}
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, v); err != nil {
		t.Fatalf("%s: %v", p, err)
	}
	return true
}

// goldenTree loads the case's brine.yaml, or uses states/ (+ pillar/).
func goldenTree(t *testing.T, dir string) Tree {
	t.Helper()
	if _, err := os.Stat(filepath.Join(dir, "brine.yaml")); err == nil {
		cfg, err := LoadConfig(filepath.Join(dir, "brine.yaml"))
		if err != nil {
			t.Fatal(err)
		}
		return cfg
	}
	tree := Tree{FileRoots: map[string][]string{"base": {filepath.Join(dir, "states")}}}
	if _, err := os.Stat(filepath.Join(dir, "pillar")); err == nil {
		tree.PillarRoots = map[string][]string{"base": {filepath.Join(dir, "pillar")}}
	}
	return tree
}

// normJSON round-trips v through JSON so it compares with decoded files.
func normJSON(t *testing.T, v any) any {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	var out any
	if err := json.Unmarshal(b, &out); err != nil {
		t.Fatal(err)
	}
	return out
}

func compareJSON(t *testing.T, what string, got any, want json.RawMessage) {
	t.Helper()
	if d := os.Getenv("BRINE_GOLDEN_DUMP"); d != "" {
		// developer aid: write what the compiler produced, to review it
		// against Salt's behaviour by hand (never to copy it blindly)
		b, _ := json.MarshalIndent(normJSON(t, got), "", "  ")
		_ = os.MkdirAll(d, 0o755)
		_ = os.WriteFile(filepath.Join(d, strings.ReplaceAll(t.Name(), "/", "_")+"."+what+".json"), b, 0o644)
	}
	var w any
	if err := json.Unmarshal(want, &w); err != nil {
		t.Fatalf("expected %s: %v", what, err)
	}
	g := normJSON(t, got)
	if !reflect.DeepEqual(g, w) {
		gb, _ := json.MarshalIndent(g, "", "  ")
		wb, _ := json.MarshalIndent(w, "", "  ")
		t.Errorf("%s mismatch\n--- got\n%s\n--- want\n%s", what, gb, wb)
	}
}

func TestGolden(t *testing.T) {
	dirs, err := filepath.Glob(filepath.Join("testdata", "golden", "*"))
	if err != nil {
		t.Fatal(err)
	}
	// cmd.* run with Salt's DEFAULT_SHELL ($SHELL), which the cases' target/
	// trees have as /bin/sh
	t.Setenv("SHELL", "/bin/sh")
	if len(dirs) < 60 {
		t.Errorf("only %d golden cases, want at least 60", len(dirs))
	}
	for _, dir := range dirs {
		dir := dir
		t.Run(filepath.Base(dir), func(t *testing.T) {
			runGolden(t, dir)
		})
	}
}

func runGolden(t *testing.T, dir string) {
	var gc goldenCase
	readJSON(t, filepath.Join(dir, "case.json"), &gc)
	var want goldenWant
	if !readJSON(t, filepath.Join(dir, "expected.json"), &want) {
		t.Fatal("missing expected.json")
	}
	grains := map[string]any{}
	readJSON(t, filepath.Join(dir, "grains.json"), &grains)
	id, _ := grains["id"].(string)
	if id == "" {
		id = "minion"
	}
	h := Host{ID: id, Grains: grains, Pillar: gc.Pillar}
	c := New(goldenTree(t, dir))
	ctx := context.Background()

	var res *Result
	var got any
	var err error
	compile := func() {
		switch {
		case gc.Show == "top":
			got, err = c.Top(ctx, h)
		case gc.Show == "pillar":
			got, err = c.Pillar(ctx, h)
		case len(gc.SLS) > 0:
			res, err = c.SLS(ctx, h, gc.Saltenv, gc.SLS)
		default:
			res, err = c.Highstate(ctx, h)
		}
	}
	// as the runner does: compile; when a template needs the target, open
	// the session (here: execmod in process on the case's target/ tree,
	// answers through JSON as on the wire) and compile again
	compile()
	needed := errors.Is(err, ErrNeedsTarget)
	calls := 0
	if needed {
		h.Call = goldenTarget(t, dir, gc, grains, &calls)
		compile()
	}
	if want.NeedsTarget != nil && *want.NeedsTarget != needed {
		t.Errorf("needs_target = %v, want %v", needed, *want.NeedsTarget)
	}
	if want.TargetCalls != nil && *want.TargetCalls != calls {
		t.Errorf("target_calls = %d, want %d", calls, *want.TargetCalls)
	}
	if want.Errors != nil || want.ErrorContains != nil {
		var ce *Errors
		if !errors.As(err, &ce) {
			t.Fatalf("want compile errors, got err=%v", err)
		}
		prefix := dir + string(filepath.Separator)
		msgs := make([]string, len(ce.Msgs))
		for i, m := range ce.Msgs {
			msgs[i] = strings.ReplaceAll(m, prefix, "")
		}
		if want.Errors != nil && !reflect.DeepEqual(msgs, want.Errors) {
			gb, _ := json.MarshalIndent(msgs, "", "  ")
			t.Errorf("errors mismatch\n--- got\n%s\n--- want\n%q", gb, want.Errors)
		}
		if want.ErrorContains != nil {
			all := strings.Join(msgs, "\n")
			for _, s := range want.ErrorContains {
				if !strings.Contains(all, s) {
					t.Errorf("errors %q do not contain %q", all, s)
				}
			}
		}
		return
	}
	if err != nil {
		t.Fatalf("compile: %v", err)
	}
	switch {
	case want.Top != nil:
		compareJSON(t, "top", got, want.Top)
	case want.Pillar != nil && res == nil:
		compareJSON(t, "pillar", got, want.Pillar)
	}
	if res == nil {
		return
	}
	if want.Low != nil {
		pub := make([]lowstate.Chunk, len(res.Low))
		for i, c := range res.Low {
			pub[i] = c.Public()
		}
		compareJSON(t, "lowstate", pub, want.Low)
	}
	if want.High != nil {
		compareJSON(t, "highstate", res.High, want.High)
	}
	if want.Pillar != nil {
		compareJSON(t, "pillar", res.Pillar, want.Pillar)
	}
	for _, c := range res.Low {
		got, has := c.Failure()
		exp, want := want.Fail[c.Name()]
		switch {
		case has != want:
			t.Errorf("chunk %s: run-time failure %v (%+v), want %v", c.Name(), has, got, want)
		case has && !reflect.DeepEqual(normJSON(t, got), normJSON(t, exp)):
			t.Errorf("chunk %s: run-time failure %+v, want %+v", c.Name(), got, exp)
		}
	}
	for name, content := range want.Files {
		c := chunkNamed(res.Low, name)
		if c == nil {
			t.Errorf("files: no chunk named %q", name)
			continue
		}
		if got := string(res.Files[c.Str(lowstate.KeyFile)]); got != content {
			t.Errorf("file %s = %q, want %q", name, got, content)
		}
	}
	for name, files := range want.Recurse {
		c := chunkNamed(res.Low, name)
		if c == nil {
			t.Errorf("recurse: no chunk named %q", name)
			continue
		}
		m, _ := c[lowstate.KeyFiles].(map[string]any)
		if len(m) != len(files) {
			t.Errorf("recurse %s: %d files, want %d (%v)", name, len(m), len(files), m)
		}
		for rel, content := range files {
			h, _ := m[rel].(string)
			if got := string(res.Files[h]); got != content {
				t.Errorf("recurse %s/%s = %q, want %q", name, rel, got, content)
			}
		}
	}
}

// goldenTarget is Host.Call backed by execmod on the case's target/ tree
// and canned commands, with the reply going through JSON like wire.Reply.
func goldenTarget(t *testing.T, dir string, gc goldenCase, grains map[string]any, calls *int) func(context.Context, string, []any, map[string]any) (any, error) {
	root := filepath.Join(dir, "target")
	if _, err := os.Stat(root); err != nil {
		root = t.TempDir()
	}
	f := &hostcmd.Fake{Handler: func(_ state.Cmd, line string) (state.CmdResult, bool) {
		for _, cmd := range gc.Commands {
			if strings.Contains(line, cmd.Match) {
				return state.CmdResult{Stdout: cmd.Stdout, Retcode: cmd.Retcode}, true
			}
		}
		t.Errorf("unexpected command on the target: %s", line)
		return state.CmdResult{Retcode: 127}, true
	}}
	env := &modules.Env{Root: root, Exec: f, Grains: grains}
	return func(ctx context.Context, fun string, args []any, kw map[string]any) (any, error) {
		*calls++
		v, err := modules.Call(ctx, env, fun, args, kw)
		if err != nil {
			return nil, err
		}
		b, err := json.Marshal(v)
		if err != nil {
			return nil, err
		}
		d := json.NewDecoder(bytes.NewReader(b))
		d.UseNumber()
		var out any
		return out, d.Decode(&out)
	}
}

func chunkNamed(low []lowstate.Chunk, name string) lowstate.Chunk {
	for _, c := range low {
		if c.Name() == name {
			return c
		}
	}
	return nil
}
