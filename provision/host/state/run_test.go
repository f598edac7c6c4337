package state_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"testing"

	"brine/provision/host/state"
	"brine/provision/wire/lowstate"
)

// siteChunks is a small realistic tree: config files, a directory, a
// symlink, edits and test states tied together with requisites.
func siteChunks(hash string) []lowstate.Chunk {
	return []lowstate.Chunk{
		chunk("web", "/srv/app", "file.directory", "makedirs", true, "mode", "0750", "order", 1),
		chunk("web", "/srv/app/app.conf", "file.managed", lowstate.KeyFile, hash, "mode", "0640",
			"require", req("file", "/srv/app"), "order", 2),
		chunk("web", "/srv/app/current", "file.symlink", "target", "/srv/app/app.conf", "require", req("file", "/srv/app/app.conf"), "order", 3),
		chunk("web", "/etc/hosts.allow", "file.append", "text", "sshd: ALL", "order", 4),
		chunk("web", "/etc/motd", "file.line", "mode", "insert", "location", "end", "content", "managed by brine", "create", true, "order", 5),
		chunk("web", "reload", "test.succeed_without_changes", "watch", req("file", "/srv/app/app.conf"), "order", 6),
		chunk("web", "notify", "test.succeed_with_changes", "onchanges", req("file", "/etc/motd"), "order", 7),
		chunk("web", "idle", "test.succeed_without_changes", "order", 8),
		chunk("web", "quiet", "test.succeed_with_changes", "onchanges", req("test", "idle"), "order", 8),
		// an sls requisite on its own SLS would match the state itself,
		// which Salt reports as a recursive requisite: name another SLS
		chunk("app", "/srv/app/data.json", "file.serialize", "dataset", map[string]any{"port": float64(8080)}, "require", req("sls", "web"), "order", 9),
	}
}

func fileBundle(data string) (string, func(string) ([]byte, error)) {
	h := sha256.Sum256([]byte(data))
	k := hex.EncodeToString(h[:])
	return k, func(q string) ([]byte, error) {
		if q != k {
			return nil, fmt.Errorf("no %s", q)
		}
		return []byte(data), nil
	}
}

// TestRunDryRunThenReal runs a whole tree with test=True, then for real:
// every state's predicted changes equal its real changes, the dry run leaves
// the root untouched and the second real run changes nothing.
func TestRunDryRunThenReal(t *testing.T) {
	root := t.TempDir()
	os.MkdirAll(filepath.Join(root, "etc"), 0o755)
	os.WriteFile(filepath.Join(root, "etc/hosts.allow"), []byte("# hosts.allow\n"), 0o644)
	hash, get := fileBundle("listen 8080\n")
	chunks := siteChunks(hash)
	opts := func(test bool) state.Options {
		return state.Options{Test: test, Registry: registry(), Env: &state.Env{Root: root, File: get}}
	}
	pred := state.Run(context.Background(), chunks, opts(true))
	if _, err := os.Stat(filepath.Join(root, "srv")); err == nil {
		t.Fatal("test mode created files")
	}
	real := state.Run(context.Background(), chunks, opts(false))
	if len(pred) != len(real) || len(real) != len(chunks) {
		t.Fatalf("result counts: test %d real %d chunks %d", len(pred), len(real), len(chunks))
	}
	for tag, r := range real {
		p := pred[tag]
		if p == nil {
			t.Errorf("%s: no prediction", tag)
			continue
		}
		if r.Result == nil || !*r.Result {
			t.Errorf("%s failed: %s", tag, r.Comment)
		}
		if nf, ok := p.Changes["newfile"]; ok {
			// Salt predicts a new file as {"newfile": NAME}
			if nf != r.Name || r.Changes["diff"] != "New file" {
				t.Errorf("%s: predicted %v, real %v", tag, p.Changes, r.Changes)
			}
		} else if !reflect.DeepEqual(p.Changes, r.Changes) {
			t.Errorf("%s: predicted %v, real %v", tag, p.Changes, r.Changes)
		}
		if len(p.Changes) > 0 && p.Result != nil && p.ID != "reload" { // test.mod_watch returns True, as in Salt
			t.Errorf("%s: test result %v with changes %v", tag, *p.Result, p.Changes)
		}
		if p.RunNum != r.RunNum {
			t.Errorf("%s: run order differs between test and real", tag)
		}
	}
	if r := byID(t, real, "reload"); r.Comment != "Watch statement fired." || !reflect.DeepEqual(r.Changes, map[string]any{"Requisites with changes": []any{"file: /srv/app/app.conf"}}) {
		t.Errorf("watch: %q %v", r.Comment, r.Changes)
	}
	if c := byID(t, real, "quiet"); c.Comment != "State was not run because none of the onchanges reqs changed" {
		t.Errorf("quiet: %q", c.Comment)
	}
	again := state.Run(context.Background(), chunks, opts(false))
	for tag, r := range again {
		if len(r.Changes) > 0 {
			t.Errorf("second run changed %s: %v", tag, r.Changes)
		}
	}
	if c := byID(t, again, "notify"); len(c.Changes) != 0 {
		t.Errorf("onchanges fired on the second run: %v", c.Changes)
	}
}

// BenchmarkRun500Managed measures an idempotent Run on 500 file.managed
// chunks (read + compare every file, nothing to write), with requisites.
func BenchmarkRun500Managed(b *testing.B) {
	root := b.TempDir()
	os.MkdirAll(filepath.Join(root, "etc/app"), 0o755)
	hash, get := fileBundle("some config content\nwith a few lines\n" + fmt.Sprintf("%0100d\n", 0))
	chunks := make([]lowstate.Chunk, 500)
	for i := range chunks {
		name := fmt.Sprintf("/etc/app/f%03d.conf", i)
		c := chunk("bench", name, "file.managed", lowstate.KeyFile, hash, "mode", "0644", "order", i)
		if i > 0 && i%10 == 0 {
			c["require"] = req("file", fmt.Sprintf("/etc/app/f%03d.conf", i-1))
		}
		chunks[i] = c
	}
	opts := state.Options{Registry: registry(), Env: &state.Env{Root: root, File: get}}
	state.Run(context.Background(), chunks, opts) // first run writes; measure the idempotent runs
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		res := state.Run(context.Background(), chunks, opts)
		if len(res) != 500 {
			b.Fatalf("%d results", len(res))
		}
	}
}

// BenchmarkRun500ManagedWrites measures 500 real writes per iteration.
func BenchmarkRun500ManagedWrites(b *testing.B) {
	root := b.TempDir()
	chunks := make([]lowstate.Chunk, 500)
	bodies := map[string][]byte{}
	for i := range chunks {
		name := fmt.Sprintf("/etc/app/f%03d.conf", i)
		chunks[i] = chunk("bench", name, "file.managed", lowstate.KeyFile, "", "makedirs", true)
	}
	get := func(h string) ([]byte, error) { return bodies[h], nil }
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		for j, c := range chunks {
			k := fmt.Sprintf("%d-%d", i, j)
			bodies[k] = []byte(k + "\n")
			c[lowstate.KeyFile] = k
		}
		b.StartTimer()
		res := state.Run(context.Background(), chunks, state.Options{Registry: registry(), Env: &state.Env{Root: root, File: get}})
		for _, r := range res {
			if r.Result == nil || !*r.Result || len(r.Changes) == 0 {
				b.Fatalf("%s: %v %s", r.Name, r.Result, r.Comment)
			}
		}
	}
}

// TestPkgRtag: Salt's rtag as the pkg states see it. Nothing is pending
// before the first pkg.installed/latest of the run (mod_init); then one
// refresh is, until any refresh of the lists (a pkgrepo's, refresh_db's)
// answers it; mod_init runs once a run.
func TestPkgRtag(t *testing.T) {
	env := &state.Env{Memo: &state.Memo{}}
	if state.PkgRefreshPending(env) {
		t.Error("pending before mod_init")
	}
	state.PkgModInit(env)
	if !state.PkgRefreshPending(env) {
		t.Error("not pending after mod_init")
	}
	state.PkgRefreshed(env)
	state.PkgModInit(env)
	if state.PkgRefreshPending(env) {
		t.Error("pending again after a refresh")
	}
	if state.PkgRefreshPending(&state.Env{}) {
		t.Error("pending without a memo")
	}
}
