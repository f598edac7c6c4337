package compile

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// writeTree writes files (path -> content) under a new directory.
func writeTree(t *testing.T, files map[string]string) string {
	t.Helper()
	root := t.TempDir()
	for p, s := range files {
		full := filepath.Join(root, p)
		if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(full, []byte(s), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return root
}

// fakeTarget answers target calls from a table and records them.
type fakeTarget struct {
	answers map[string]any
	calls   []string
}

func (f *fakeTarget) call(_ context.Context, fun string, args []any, kw map[string]any) (any, error) {
	b, _ := json.Marshal(args)
	key := fun + string(b)
	f.calls = append(f.calls, key)
	v, ok := f.answers[key]
	if !ok {
		return nil, fmt.Errorf("no answer for %s", key)
	}
	return v, nil
}

// TestNeedsTarget: without Host.Call a target call stops the compile with
// ErrNeedsTarget, before anything else renders; with it, the answers reach
// the templates (JSON numbers as ints).
func TestNeedsTarget(t *testing.T) {
	root := writeTree(t, map[string]string{
		"a.sls": "{% if salt['file.file_exists']('/etc/hostname') %}x: {test.nop: [{uid: {{ salt['user.info']('www')['uid'] }}}]}{% endif %}\n",
		"b.sls": "y: {test.nop: [{v: {{ salt['pkg.version']('nginx') }}}]}\n",
	})
	c := New(Tree{FileRoots: map[string][]string{"base": {root}}})
	ctx := context.Background()
	_, err := c.SLS(ctx, Host{ID: "h"}, "base", []string{"a", "b"})
	if !errors.Is(err, ErrNeedsTarget) {
		t.Fatalf("want ErrNeedsTarget, got %v", err)
	}
	var ce *Errors
	if !errors.As(err, &ce) || len(ce.Msgs) != 1 || !strings.Contains(ce.Msgs[0], "a.sls:1: salt['file.file_exists'] gives the target's answer") {
		t.Errorf("one message naming the file, line and call, got %v", err)
	}
	ft := &fakeTarget{answers: map[string]any{
		`file.file_exists["/etc/hostname"]`: true,
		`user.info["www"]`:                  map[string]any{"uid": json.Number("33"), "shell": "/usr/sbin/nologin"},
		`pkg.version["nginx"]`:              "1.22.1-9",
	}}
	res, err := c.SLS(ctx, Host{ID: "h", Call: ft.call}, "base", []string{"a", "b"})
	if err != nil {
		t.Fatal(err)
	}
	if res.Low[0]["uid"] != 33 || res.Low[1]["v"] != "1.22.1-9" {
		t.Errorf("chunks %v", res.Low)
	}
	// an error of the call is the template's error, with file and line
	ft.answers = map[string]any{}
	_, err = c.SLS(ctx, Host{ID: "h2", Call: ft.call}, "base", []string{"a"})
	if err == nil || errors.Is(err, ErrNeedsTarget) || !strings.Contains(err.Error(), "a.sls:1: no answer for file.file_exists") {
		t.Errorf("call error: %v", err)
	}
}

// TestTargetRendersNotShared: the render cache never serves a render that
// asked the target to another host, even with identical grains and pillar.
func TestTargetRendersNotShared(t *testing.T) {
	root := writeTree(t, map[string]string{
		"a.sls": "x:\n  test.nop:\n    - exists: {{ salt['file.file_exists']('/etc/app.conf') }}\n    - os: {{ grains.os }}\n",
		"p.sls": "y:\n  test.nop:\n    - os: {{ grains.os }}\n",
	})
	c := New(Tree{FileRoots: map[string][]string{"base": {root}}})
	grains := map[string]any{"os": "Debian"}
	var got []any
	for _, answer := range []bool{true, false, true} {
		ft := &fakeTarget{answers: map[string]any{`file.file_exists["/etc/app.conf"]`: answer}}
		res, err := c.SLS(context.Background(), Host{ID: "same", Grains: grains, Call: ft.call}, "base", []string{"a"})
		if err != nil {
			t.Fatal(err)
		}
		if len(ft.calls) != 1 {
			t.Errorf("each host asks its own target: %v", ft.calls)
		}
		got = append(got, res.Low[0]["exists"])
	}
	if got[0] != true || got[1] != false || got[2] != true {
		t.Errorf("answers %v, want [true false true]", got)
	}
	// a render without target calls is still cached
	before := c.renders.len()
	for i := 0; i < 2; i++ {
		if _, err := c.SLS(context.Background(), Host{ID: "same", Grains: grains}, "base", []string{"p"}); err != nil {
			t.Fatal(err)
		}
	}
	if c.renders.len() != before+1 {
		t.Errorf("renders cached: %d -> %d, want one more", before, c.renders.len())
	}
}

// TestMemo: pure calls are asked once per compile; a cmd.* call always
// runs and makes the readers ask again.
func TestMemo(t *testing.T) {
	root := writeTree(t, map[string]string{
		"map.jinja": "{% set has = salt['file.file_exists']('/x') %}",
		"a.sls":     "{% from 'map.jinja' import has %}{% set _ = salt['cmd.run']('touch /x') %}{% set _ = salt['cmd.run']('touch /x') %}\na: {test.nop: [{has: {{ has }}}]}\n",
		"b.sls":     "{% from 'map.jinja' import has %}\nb: {test.nop: [{has: {{ has }}}, {again: {{ salt['file.file_exists']('/x') }}}]}\n",
	})
	c := New(Tree{FileRoots: map[string][]string{"base": {root}}})
	ft := &fakeTarget{answers: map[string]any{`file.file_exists["/x"]`: false, `cmd.run["touch /x"]`: ""}}
	if _, err := c.SLS(context.Background(), Host{ID: "h", Call: ft.call}, "base", []string{"b", "a", "b"}); err != nil {
		t.Fatal(err)
	}
	want := []string{`file.file_exists["/x"]`, `cmd.run["touch /x"]`, `cmd.run["touch /x"]`}
	if strings.Join(ft.calls, " ") != strings.Join(want, " ") {
		t.Errorf("calls %v, want %v", ft.calls, want)
	}
	ft.calls = nil
	if _, err := c.SLS(context.Background(), Host{ID: "h", Call: ft.call}, "base", []string{"a", "b"}); err != nil {
		t.Fatal(err)
	}
	want = []string{`file.file_exists["/x"]`, `cmd.run["touch /x"]`, `cmd.run["touch /x"]`, `file.file_exists["/x"]`}
	if strings.Join(ft.calls, " ") != strings.Join(want, " ") {
		t.Errorf("after cmd.run the reader asks again: calls %v, want %v", ft.calls, want)
	}
}

// TestOnPillarBeforeRenders: the pillar hook fires before any state or file
// template renders, so an error that prints a secret is masked; it fires
// even when the pillar itself fails, with what rendered.
func TestOnPillarBeforeRenders(t *testing.T) {
	states := writeTree(t, map[string]string{
		"a.sls": "include:\n  - missing.{{ pillar['db']['password'] }}\n",
		"b.sls": "b: {test.nop: [{v: {{ salt['file.file_exists']('/' ~ pillar['db']['password']) }}}]}\n",
	})
	pillar := writeTree(t, map[string]string{
		"top.sls": "base:\n  '*':\n    - db\n",
		"db.sls":  "db:\n  password: s3cr3t-value\n",
	})
	c := New(Tree{FileRoots: map[string][]string{"base": {states}}, PillarRoots: map[string][]string{"base": {pillar}}})
	var log []string
	h := Host{ID: "h",
		OnPillar: func(p map[string]any) {
			log = append(log, "pillar:"+p["db"].(map[string]any)["password"].(string))
		},
		Call: func(_ context.Context, fun string, _ []any, _ map[string]any) (any, error) {
			log = append(log, "call:"+fun)
			return false, nil
		}}
	_, err := c.SLS(context.Background(), h, "base", []string{"b", "a"})
	if err == nil || !strings.Contains(err.Error(), "s3cr3t-value") {
		t.Fatalf("want an error that shows the secret (the caller masks it), got %v", err)
	}
	if strings.Join(log, " ") != "pillar:s3cr3t-value call:file.file_exists" {
		t.Errorf("hook order: %v", log)
	}
	// a broken pillar still hands over what rendered, once
	pillar2 := writeTree(t, map[string]string{
		"top.sls":    "base:\n  '*':\n    - db\n    - broken\n",
		"db.sls":     "db:\n  password: s3cr3t-value\n",
		"broken.sls": "oops: {{ pillar['db']['password'] ~ nothere.x }}\n",
	})
	c = New(Tree{FileRoots: map[string][]string{"base": {states}}, PillarRoots: map[string][]string{"base": {pillar2}}})
	log = nil
	if _, err := c.SLS(context.Background(), h, "base", []string{"a"}); err == nil {
		t.Fatal("want a pillar error")
	}
	if strings.Join(log, " ") != "pillar:s3cr3t-value" {
		t.Errorf("hook on a pillar error: %v", log)
	}
}
