package executor

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"brine/provision/bundle"
	"brine/provision/lowstate"
	"brine/provision/wire"
)

func serve(t *testing.T, root string, req *wire.Request, data []byte) *wire.Response {
	t.Helper()
	var in, out, errb bytes.Buffer
	if err := wire.WriteRequest(&in, req, data); err != nil {
		t.Fatal(err)
	}
	if code := Serve(context.Background(), Options{Root: root, SkipSelfCheck: true}, &in, &out, &errb); code != 0 {
		t.Fatalf("exit %d: %s", code, errb.String())
	}
	var r wire.Response
	if err := json.Unmarshal(out.Bytes(), &r); err != nil {
		t.Fatalf("answer is not one JSON object: %v\n%s", err, out.String())
	}
	return &r
}

func TestFunctions(t *testing.T) {
	r := serve(t, "", &wire.Request{ID: "web1", Fun: "test.ping", Grains: map[string]any{"role": "web"}}, nil)
	if string(r.Return) != "true" || r.Retcode != 0 || r.Grains["id"] != "web1" {
		t.Errorf("test.ping: %s %d %v", r.Return, r.Retcode, r.Grains["id"])
	}
	if _, ok := r.Grains["role"]; ok {
		t.Error("the answer's grains must be the collected ones, without roster grains")
	}
	r = serve(t, "", &wire.Request{Fun: "grains.get", Args: []string{"role"}, Grains: map[string]any{"role": "web"}}, nil)
	if string(r.Return) != `"web"` {
		t.Errorf("grains.get sees roster grains: %s", r.Return)
	}
	r = serve(t, "", &wire.Request{Fun: "cmd.run_all", Args: []string{"echo out; echo err >&2; exit 4"}}, nil)
	var ra CmdReturn
	json.Unmarshal(r.Return, &ra)
	if ra.Stdout != "out" || ra.Stderr != "err" || ra.Retcode != 4 {
		t.Errorf("cmd.run_all: %+v", ra)
	}
	r = serve(t, "", &wire.Request{Fun: "cmd.run", Args: []string{"false"}}, nil)
	if r.Retcode == 0 {
		t.Error("cmd.run of a failing command must set a retcode")
	}
	r = serve(t, "", &wire.Request{Fun: "no.such"}, nil)
	if r.Retcode == 0 || !strings.Contains(r.Error, "not available") {
		t.Errorf("unknown function: %d %q", r.Retcode, r.Error)
	}
}

func TestStateBundle(t *testing.T) {
	root := t.TempDir()
	for _, d := range []string{"etc", "run/lock"} {
		if err := os.MkdirAll(filepath.Join(root, d), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	content := []byte("managed\n")
	h := bundle.Hash(content)
	b := &lowstate.Bundle{
		Chunks: []lowstate.Chunk{
			{"state": "file", "fun": "managed", "name": "/etc/brine-test", "__id__": "f", "__sls__": "t", "order": 1, lowstate.KeyFile: h},
			{"state": "nosuch", "fun": "thing", "name": "x", "__id__": "x", "__sls__": "t", "order": 2},
		},
		Files: map[string][]byte{h: content},
	}
	data, sha, err := bundle.Pack(b)
	if err != nil {
		t.Fatal(err)
	}
	req := &wire.Request{Fun: "state.apply", BundleSize: int64(len(data)), BundleSHA: sha, Test: true}
	r := serve(t, root, req, data)
	var res lowstate.Results
	if err := json.Unmarshal(r.Return, &res); err != nil {
		t.Fatalf("%v: %s", err, r.Return)
	}
	if _, err := os.Stat(filepath.Join(root, "etc/brine-test")); err == nil {
		t.Error("test=True wrote the file")
	}
	if r.Retcode == 0 {
		t.Error("an unknown state function must make the run fail")
	}
	req.Test = false
	r = serve(t, root, req, data)
	got, _ := os.ReadFile(filepath.Join(root, "etc/brine-test"))
	if string(got) != "managed\n" {
		t.Errorf("file not written: %q (%s)", got, r.Return)
	}
	if _, err := os.Stat(filepath.Join(root, "run/lock/brine-state.lock")); err != nil {
		t.Errorf("the state run should hold the host lock under the root: %v", err)
	}
	// A bundle that does not match its hash never runs.
	req.BundleSHA = strings.Repeat("0", 64)
	r = serve(t, root, req, data)
	if r.Retcode == 0 || !strings.Contains(r.Error, "hash mismatch") {
		t.Errorf("bad bundle hash: %d %q", r.Retcode, r.Error)
	}
}
