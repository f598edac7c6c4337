package executor

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"brine/provision/host/modules"
	"brine/provision/wire"
	"brine/provision/wire/bundle"
	"brine/provision/wire/lowstate"
)

// serve runs one request the way the controller sends it: stdin stays open
// until the answer is in (its end means "stop").
func serve(t *testing.T, root string, req *wire.Request, data []byte) *wire.Response {
	t.Helper()
	return serveWith(t, Options{Root: root, SkipSelfCheck: true}, req, data, nil)
}

// serveWith runs Serve with stdin a pipe: the request and data first, then
// whatever then writes (calls, a stop), and EOF only after Serve returns.
func serveWith(t *testing.T, o Options, req *wire.Request, data []byte, then func(w io.Writer)) *wire.Response {
	t.Helper()
	pr, pw := io.Pipe()
	go func() {
		if err := wire.WriteRequest(pw, req, data); err != nil {
			t.Error(err)
		}
		if then != nil {
			then(pw)
		}
	}()
	var out, errb bytes.Buffer
	code := Serve(context.Background(), o, pr, &out, &errb)
	pw.Close()
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errb.String())
	}
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	var r wire.Response
	if err := json.Unmarshal([]byte(lines[len(lines)-1]), &r); err != nil {
		t.Fatalf("last line is not the answer: %v\n%s", err, out.String())
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
	r = serve(t, "", &wire.Request{Fun: "grains.get", Call: &wire.Call{Fun: "grains.get", Args: []any{"role"}}, Grains: map[string]any{"role": "web"}}, nil)
	if string(r.Return) != `"web"` {
		t.Errorf("grains.get sees roster grains: %s", r.Return)
	}
	r = serve(t, "", &wire.Request{Fun: "cmd.run_all", Call: &wire.Call{Fun: "cmd.run_all", Args: []any{"echo out; echo err >&2; exit 4"}}}, nil)
	var ra struct {
		PID     int    `json:"pid"`
		Retcode int    `json:"retcode"`
		Stdout  string `json:"stdout"`
		Stderr  string `json:"stderr"`
	}
	json.Unmarshal(r.Return, &ra)
	if ra.Stdout != "out" || ra.Stderr != "err" || ra.Retcode != 4 || ra.PID == 0 || r.Retcode != 4 || r.Error != "" {
		t.Errorf("cmd.run_all: %+v, answer's retcode %d %q", ra, r.Retcode, r.Error)
	}
	r = serve(t, "", &wire.Request{Fun: "cmd.run", Call: &wire.Call{Fun: "cmd.run", Args: []any{"false"}}}, nil)
	if r.Retcode != 1 || string(r.Return) != `""` {
		t.Errorf("cmd.run of a failing command: retcode %d, return %s", r.Retcode, r.Return)
	}
	r = serve(t, "", &wire.Request{Fun: "test.echo", Call: &wire.Call{Fun: "test.echo"}}, nil)
	if r.Retcode != 1 || r.Error != "Passed invalid arguments: echo() missing 1 required positional argument: 'text'.\n\nUsage:" {
		t.Errorf("test.echo without text: %d %q", r.Retcode, r.Error)
	}
	r = serve(t, "", &wire.Request{Fun: "test.kwarg", Call: &wire.Call{Fun: "test.kwarg", Kwargs: map[string]any{"a": 1}}}, nil)
	var kw map[string]any
	json.Unmarshal(r.Return, &kw)
	if kw["a"] != 1.0 || kw["__pub_fun"] != "test.kwarg" || kw["__pub_tgt"] != "salt-call" || len(kw["__pub_jid"].(string)) != 20 {
		t.Errorf("test.kwarg: %s", r.Return)
	}
	r = serve(t, "", &wire.Request{Fun: "no.such"}, nil)
	if r.Retcode == 0 || r.Error != "'no.such' is not available." {
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
	data, sha, err := new(bundle.Packer).Pack(b)
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
	if os.Geteuid() == 0 {
		if fi, err := os.Stat(filepath.Join(root, "run/brine")); err != nil || fi.Mode().Perm() != 0o700 {
			t.Errorf("root's host lock belongs in a root-only /run/brine under the root: %v", err)
		}
	}
	// A bundle that does not match its hash never runs.
	req.BundleSHA = strings.Repeat("0", 64)
	r = serve(t, root, req, data)
	if r.Retcode == 0 || !strings.Contains(r.Error, "hash mismatch") {
		t.Errorf("bad bundle hash: %d %q", r.Retcode, r.Error)
	}
}

// A Stop while a state runs: the running command's group is signalled, the
// states not started are reported not run, and the answer says why.
func TestStopAtStateBoundary(t *testing.T) {
	root := t.TempDir()
	os.MkdirAll(filepath.Join(root, "run"), 0o755)
	marker := filepath.Join(t.TempDir(), "second-ran")
	b := &lowstate.Bundle{Chunks: []lowstate.Chunk{
		{"state": "cmd", "fun": "run", "name": "sleep 30", "__id__": "slow", "__sls__": "t", "order": 1},
		{"state": "cmd", "fun": "run", "name": "touch " + marker, "__id__": "second", "__sls__": "t", "order": 2},
	}}
	data, sha, err := new(bundle.Packer).Pack(b)
	if err != nil {
		t.Fatal(err)
	}
	req := &wire.Request{Fun: "state.apply", BundleSize: int64(len(data)), BundleSHA: sha}
	for _, how := range []string{"stop", "eof"} {
		start := time.Now()
		pr, pw := io.Pipe()
		go func() {
			wire.WriteRequest(pw, req, data)
			time.Sleep(300 * time.Millisecond)
			if how == "stop" {
				wire.WriteMsg(pw, &wire.Msg{Stop: "interrupted on the controller (SIGINT)"})
			} else {
				pw.Close()
			}
		}()
		var out, errb bytes.Buffer
		Serve(context.Background(), Options{Root: root, SkipSelfCheck: true}, pr, &out, &errb)
		pw.Close()
		if d := time.Since(start); d > 10*time.Second {
			t.Errorf("%s: the run took %s: the sleeping state was not stopped", how, d)
		}
		var r wire.Response
		if err := json.Unmarshal(out.Bytes(), &r); err != nil {
			t.Fatalf("%s: %v: %s", how, err, out.String())
		}
		want := "interrupted on the controller (SIGINT)"
		if how == "eof" {
			want = "the controller went away"
		}
		if !strings.Contains(r.Stopped, want) {
			t.Errorf("%s: stopped %q, want %q", how, r.Stopped, want)
		}
		var res lowstate.Results
		json.Unmarshal(r.Return, &res)
		if len(res) != 2 {
			t.Fatalf("%s: want both states reported, got %s", how, r.Return)
		}
		for tag, x := range res {
			if strings.Contains(tag, "second") && !strings.Contains(x.Comment, "not run") {
				t.Errorf("%s: the second state: %q", how, x.Comment)
			}
		}
		if _, err := os.Stat(marker); err == nil {
			t.Errorf("%s: the second state ran after the stop", how)
		}
	}
}

// An interactive request: calls answered in order by Options.Call, then the
// bundle, all on one stdin.
func TestInteractiveCalls(t *testing.T) {
	b := &lowstate.Bundle{Chunks: []lowstate.Chunk{{"state": "test", "fun": "nop", "name": "x", "__id__": "x", "__sls__": "t", "order": 1}}}
	data, sha, _ := new(bundle.Packer).Pack(b)
	var calls []string
	o := Options{SkipSelfCheck: true, Root: t.TempDir(), Call: func(_ context.Context, _ *modules.Env, c *wire.Call) modules.Result {
		fun, args := c.Fun, c.Args
		calls = append(calls, fun)
		if fun == "file.file_exists" {
			return modules.Result{Return: args[0] == "/etc/hostname"}
		}
		return modules.Result{Err: errors.New("'" + fun + "' is not available")}
	}}
	os.MkdirAll(filepath.Join(o.Root, "run"), 0o755)
	pr, pw := io.Pipe()
	var out syncBuf
	done := make(chan int)
	go func() {
		done <- Serve(context.Background(), o, pr, &out, io.Discard)
	}()
	wire.WriteRequest(pw, &wire.Request{Fun: "state.apply", Interactive: true}, nil)
	wire.WriteMsg(pw, &wire.Msg{Call: &wire.Call{Fun: "file.file_exists", Args: []any{"/etc/hostname"}}})
	wire.WriteMsg(pw, &wire.Msg{Call: &wire.Call{Fun: "no.such"}})
	wire.WriteMsg(pw, &wire.Msg{Bundle: &wire.BundleHeader{Size: int64(len(data)), SHA: sha}})
	pw.Write(data)
	<-done
	pw.Close()
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	if len(lines) != 3 || lines[0] != `{"reply":{"return":true}}` || !strings.Contains(lines[1], "not available") {
		t.Fatalf("replies: %q", lines)
	}
	var r wire.Response
	json.Unmarshal([]byte(lines[2]), &r)
	if r.Retcode != 0 || !strings.Contains(string(r.Return), "test_|-x_|-x_|-nop") {
		t.Errorf("answer: %+v %s", r, r.Return)
	}
	if strings.Join(calls, ",") != "file.file_exists,no.such" {
		t.Errorf("calls %v", calls)
	}
}

type syncBuf struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuf) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuf) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// The answer leaves the grains out when they hash as the controller's
// cached ones (the pid, new every run, aside), so a warm run moves and
// decodes no grains.
func TestGrainsSentOnlyWhenChanged(t *testing.T) {
	first := serve(t, "", &wire.Request{ID: "web1", Fun: "test.ping"}, nil)
	if first.Grains == nil || first.GrainsSHA == "" {
		t.Fatalf("a first answer carries the grains and their hash: %+v", first)
	}
	again := serve(t, "", &wire.Request{ID: "web1", Fun: "test.ping", GrainsSHA: first.GrainsSHA}, nil)
	if again.Grains != nil || again.GrainsSHA != first.GrainsSHA {
		t.Errorf("unchanged grains were sent again (or hashed differently): %v %q", again.Grains != nil, again.GrainsSHA)
	}
	changed := serve(t, "", &wire.Request{ID: "web1", Fun: "test.ping", GrainsSHA: strings.Repeat("0", 64)}, nil)
	if changed.Grains == nil {
		t.Error("grains that differ from the controller's must be sent")
	}
}
