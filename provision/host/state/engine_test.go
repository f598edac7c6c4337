package state_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"brine/provision/host/state"
	"brine/provision/host/state/cmd"
	"brine/provision/host/state/file"
	teststate "brine/provision/host/state/test"
	"brine/provision/wire/lowstate"
)

// registry builds the real modules the engine tests use.
func registry() state.Registry {
	return state.Registry{"test": teststate.Module(), "cmd": cmd.Module(), "file": file.Module()}
}

// chunk builds a lowstate chunk; name defaults to id.
func chunk(sls, id, fun string, kv ...any) lowstate.Chunk {
	st, fn, _ := strings.Cut(fun, ".")
	c := lowstate.Chunk{"__sls__": sls, "__id__": id, "name": id, "state": st, "fun": fn, "__env__": "base"}
	for i := 0; i+1 < len(kv); i += 2 {
		c[kv[i].(string)] = kv[i+1]
	}
	return c
}

// req builds a requisite list: req("test", "a") -> [{"test": "a"}].
func req(pairs ...string) []any {
	var out []any
	for i := 0; i+1 < len(pairs); i += 2 {
		out = append(out, map[string]any{pairs[i]: pairs[i+1]})
	}
	return out
}

func runChunks(t *testing.T, test bool, chunks ...lowstate.Chunk) lowstate.Results {
	t.Helper()
	root := t.TempDir()
	return state.Run(context.Background(), chunks, state.Options{Test: test, Registry: registry(), Env: &state.Env{Root: root}})
}

// byID finds the result of the state with id (not the listeners).
func byID(t *testing.T, res lowstate.Results, id string) *lowstate.Result {
	t.Helper()
	for tag, r := range res {
		_, tid, _, fun := lowstate.SplitTag(tag)
		if tid == id && fun != "mod_watch" {
			return r
		}
	}
	t.Fatalf("no result for %q in %v", id, keys(res))
	return nil
}

func keys(res lowstate.Results) []string { return res.Ordered() }

func want(t *testing.T, r *lowstate.Result, result *bool, commentSub string) {
	t.Helper()
	if (r.Result == nil) != (result == nil) || (r.Result != nil && *r.Result != *result) {
		t.Errorf("%s: result = %s, want %s (comment %q)", r.ID, show(r.Result), show(result), r.Comment)
	}
	if !strings.Contains(r.Comment, commentSub) {
		t.Errorf("%s: comment = %q, want it to contain %q", r.ID, r.Comment, commentSub)
	}
}

func show(b *bool) string {
	if b == nil {
		return "None"
	}
	if *b {
		return "True"
	}
	return "False"
}

var (
	T = lowstate.Bool(true)
	F = lowstate.Bool(false)
)

// runOrder returns the ids in run order.
func runOrder(res lowstate.Results) []string {
	var out []string
	for _, tag := range res.Ordered() {
		out = append(out, res[tag].ID)
	}
	return out
}

func TestOrderDefinitionAndOrderKeyword(t *testing.T) {
	res := runChunks(t, false,
		chunk("s", "a", "test.nop"),
		chunk("s", "b", "test.nop", "order", float64(1)),
		chunk("s", "c", "test.nop", "order", "last"),
		chunk("s", "d", "test.nop"),
		chunk("s", "e", "test.nop", "order", "first"),
	)
	got := strings.Join(runOrder(res), ",")
	if got != "e,b,a,d,c" {
		t.Errorf("order = %s, want e,b,a,d,c", got)
	}
}

func TestRequisitesPullTargetsEarlier(t *testing.T) {
	res := runChunks(t, false,
		chunk("s", "a", "test.nop", "require", req("test", "c")),
		chunk("s", "b", "test.nop"),
		chunk("s", "c", "test.nop", "require", req("test", "d")),
		chunk("s", "d", "test.nop"),
	)
	got := strings.Join(runOrder(res), ",")
	if got != "d,c,a,b" {
		t.Errorf("order = %s, want d,c,a,b", got)
	}
	for i, tag := range res.Ordered() {
		if res[tag].RunNum != i {
			t.Errorf("run num of %s = %d, want %d", tag, res[tag].RunNum, i)
		}
	}
}

func TestRequireFailedDoesNotRun(t *testing.T) {
	dir := t.TempDir()
	marker := filepath.Join(dir, "ran")
	res := runChunks(t, false,
		chunk("web", "broken", "test.fail_without_changes"),
		chunk("web", "dep", "cmd.run", "name", "touch "+marker, "require", req("test", "broken")),
		chunk("web", "indep", "test.succeed_without_changes"),
	)
	want(t, byID(t, res, "dep"), F, "One or more requisite failed: web.broken")
	if _, err := os.Stat(marker); err == nil {
		t.Error("state with a failed requisite ran")
	}
	want(t, byID(t, res, "indep"), T, "Success!")
	if r := byID(t, res, "dep"); len(r.Changes) != 0 {
		t.Errorf("changes of a skipped state: %v", r.Changes)
	}
}

func TestRequireChainReportsDirectFailure(t *testing.T) {
	res := runChunks(t, false,
		chunk("s", "a", "test.fail_without_changes"),
		chunk("s", "b", "test.nop", "require", req("test", "a")),
		chunk("s", "c", "test.nop", "require", req("test", "b")),
	)
	want(t, byID(t, res, "b"), F, "One or more requisite failed: s.a")
	want(t, byID(t, res, "c"), F, "One or more requisite failed: s.b")
}

func TestRequireAny(t *testing.T) {
	res := runChunks(t, false,
		chunk("s", "bad", "test.fail_without_changes"),
		chunk("s", "good", "test.nop"),
		chunk("s", "any_ok", "test.succeed_without_changes", "require_any", req("test", "bad", "test", "good")),
		chunk("s", "bad2", "test.fail_without_changes"),
		chunk("s", "any_fail", "test.nop", "require_any", req("test", "bad", "test", "bad2")),
	)
	want(t, byID(t, res, "any_ok"), T, "Success!")
	r := byID(t, res, "any_fail")
	want(t, r, F, "One or more requisite failed: ")
	if !strings.Contains(r.Comment, "s.bad") || !strings.Contains(r.Comment, "s.bad2") {
		t.Errorf("comment %q should name both failed requisites", r.Comment)
	}
}

func TestWatchRunsModWatchOnlyOnChange(t *testing.T) {
	res := runChunks(t, false,
		chunk("s", "changer", "test.succeed_with_changes"),
		chunk("s", "quiet", "test.succeed_without_changes"),
		chunk("s", "w1", "test.succeed_without_changes", "watch", req("test", "changer")),
		chunk("s", "w2", "test.succeed_without_changes", "watch", req("test", "quiet")),
	)
	w1 := byID(t, res, "w1")
	want(t, w1, T, "Watch statement fired.")
	if got := fmt.Sprint(w1.Changes["Requisites with changes"]); got != "[test: changer]" {
		t.Errorf("mod_watch must see the watched states that changed: %v", w1.Changes)
	}
	want(t, byID(t, res, "w2"), T, "Success!")
	if _, ok := res[lowstate.Tag("test", "w1", "w1", "succeed_without_changes")]; !ok {
		t.Error("mod_watch result must keep the state's own tag")
	}
}

func TestWatchSkipsModWatchWhenStateChanged(t *testing.T) {
	dir := t.TempDir()
	f := filepath.Join(dir, "count")
	res := runChunks(t, false,
		chunk("s", "changer", "test.succeed_with_changes"),
		chunk("s", "runner", "cmd.run", "name", "echo x >> "+f, "watch", req("test", "changer")),
	)
	want(t, byID(t, res, "runner"), T, "run")
	b, _ := os.ReadFile(f)
	if strings.Count(string(b), "x") != 1 {
		t.Errorf("command ran %d times, want once (mod_watch only when the state made no changes)", strings.Count(string(b), "x"))
	}
}

func TestWatchFailedRequisite(t *testing.T) {
	res := runChunks(t, false,
		chunk("s", "bad", "test.fail_with_changes"),
		chunk("s", "w", "test.nop", "watch", req("test", "bad")),
	)
	want(t, byID(t, res, "w"), F, "One or more requisite failed: s.bad")
}

func TestWatchAny(t *testing.T) {
	res := runChunks(t, false,
		chunk("s", "bad", "test.fail_without_changes"),
		chunk("s", "changer", "test.succeed_with_changes"),
		chunk("s", "w", "test.succeed_without_changes", "watch_any", req("test", "bad", "test", "changer")),
	)
	want(t, byID(t, res, "w"), T, "Watch statement fired.")
}

func TestWatchWithoutModWatchActsAsRequire(t *testing.T) {
	res := runChunks(t, false,
		chunk("s", "bad", "test.fail_without_changes"),
		chunk("s", "/tmp/x", "file.exists", "watch", req("test", "bad")),
	)
	want(t, byID(t, res, "/tmp/x"), F, "One or more requisite failed: s.bad")
}

func TestOnchanges(t *testing.T) {
	res := runChunks(t, false,
		chunk("s", "changer", "test.succeed_with_changes"),
		chunk("s", "quiet", "test.succeed_without_changes"),
		chunk("s", "oc_yes", "test.succeed_without_changes", "onchanges", req("test", "changer")),
		chunk("s", "oc_no", "test.succeed_with_changes", "onchanges", req("test", "quiet")),
		chunk("s", "oc_all", "test.succeed_with_changes", "onchanges", req("test", "quiet", "test", "changer")),
		chunk("s", "oc_any", "test.succeed_without_changes", "onchanges_any", req("test", "quiet", "test", "changer")),
		chunk("s", "oc_any_no", "test.succeed_with_changes", "onchanges_any", req("test", "quiet")),
	)
	want(t, byID(t, res, "oc_yes"), T, "Success!")
	r := byID(t, res, "oc_no")
	want(t, r, T, "State was not run because none of the onchanges reqs changed")
	if len(r.Changes) != 0 {
		t.Errorf("a state that did not run has changes %v", r.Changes)
	}
	// Salt: onchanges fires when any of the listed states changed
	want(t, byID(t, res, "oc_all"), T, "Success!")
	want(t, byID(t, res, "oc_any"), T, "Success!")
	want(t, byID(t, res, "oc_any_no"), T, "State was not run because none of the onchanges reqs changed")
}

func TestOnfail(t *testing.T) {
	res := runChunks(t, false,
		chunk("s", "ok", "test.succeed_without_changes"),
		chunk("s", "bad", "test.fail_without_changes"),
		chunk("s", "h_ok", "test.succeed_with_changes", "onfail", req("test", "ok")),
		chunk("s", "h_bad", "test.succeed_with_changes", "onfail", req("test", "bad")),
	)
	want(t, byID(t, res, "h_ok"), T, "State was not run because onfail req did not change")
	want(t, byID(t, res, "h_bad"), T, "Success!")
	bad := byID(t, res, "bad")
	if !bad.OnfailHandled || bad.Failed() {
		t.Errorf("a failure handled by a successful onfail must not fail the run: handled=%v", bad.OnfailHandled)
	}
}

func TestOnfailHandlerFailingKeepsFailure(t *testing.T) {
	res := runChunks(t, false,
		chunk("s", "bad", "test.fail_without_changes"),
		chunk("s", "h", "test.fail_without_changes", "onfail", req("test", "bad")),
	)
	if !byID(t, res, "bad").Failed() {
		t.Error("a failure whose onfail handler failed must still fail the run")
	}
}

func TestOnfailAnyAll(t *testing.T) {
	res := runChunks(t, false,
		chunk("s", "a", "test.succeed_without_changes"),
		chunk("s", "b", "test.fail_without_changes"),
		chunk("s", "c", "test.fail_without_changes"),
		chunk("s", "any", "test.succeed_with_changes", "onfail_any", req("test", "a", "test", "b")),
		chunk("s", "all_no", "test.succeed_with_changes", "onfail_all", req("test", "a", "test", "b")),
		chunk("s", "all_yes", "test.succeed_with_changes", "onfail_all", req("test", "b", "test", "c")),
		chunk("s", "plain", "test.succeed_with_changes", "onfail", req("test", "a", "test", "b")),
	)
	want(t, byID(t, res, "any"), T, "Success!")
	want(t, byID(t, res, "all_no"), T, "State was not run because onfail req did not change")
	want(t, byID(t, res, "all_yes"), T, "Success!")
	// Salt: plain onfail with several targets runs when any of them failed
	want(t, byID(t, res, "plain"), T, "Success!")
}

func TestPrereqRunsBeforeChangingTarget(t *testing.T) {
	dir := t.TempDir()
	log := filepath.Join(dir, "log")
	conf := filepath.Join(dir, "conf")
	res := runChunks(t, false,
		chunk("s", "site", "cmd.run", "name", "echo site >> "+log+" && touch "+conf, "unless", "test -e "+conf),
		chunk("s", "graceful-down", "cmd.run", "name", "echo down >> "+log, "prereq", req("cmd", "site")),
	)
	want(t, byID(t, res, "graceful-down"), T, "run")
	b, _ := os.ReadFile(log)
	if string(b) != "down\nsite\n" {
		t.Errorf("log = %q, want the prereq state before its target", b)
	}
	if byID(t, res, "graceful-down").RunNum > byID(t, res, "site").RunNum {
		t.Error("prereq holder must run (and be numbered) before its target")
	}
	// second run: the target would not change -> the holder is skipped
	res = runChunks(t, false,
		chunk("s", "site", "cmd.run", "name", "echo site >> "+log, "unless", "test -e "+conf),
		chunk("s", "graceful-down", "cmd.run", "name", "echo down >> "+log, "prereq", req("cmd", "site")),
	)
	want(t, byID(t, res, "graceful-down"), T, "No changes detected")
	want(t, byID(t, res, "site"), T, "unless condition is true")
	b, _ = os.ReadFile(log)
	if string(b) != "down\nsite\n" {
		t.Errorf("log = %q, nothing should have run", b)
	}
}

func TestPrereqHolderFailureBlocksTarget(t *testing.T) {
	res := runChunks(t, false,
		chunk("s", "target", "test.succeed_with_changes"),
		chunk("s", "holder", "test.fail_without_changes", "prereq", req("test", "target")),
	)
	want(t, byID(t, res, "holder"), F, "Failure!")
	want(t, byID(t, res, "target"), F, "One or more requisite failed: s.holder")
}

func TestListen(t *testing.T) {
	res := runChunks(t, false,
		chunk("s", "changer", "test.succeed_with_changes"),
		chunk("s", "quiet", "test.nop"),
		chunk("s", "l1", "test.succeed_without_changes", "listen", req("test", "changer")),
		chunk("s", "l2", "test.succeed_without_changes", "listen", req("test", "quiet")),
		chunk("s", "l3", "test.nop", "listen", req("test", "ghost")),
		chunk("s", "l4", "test.nop", "listen", []any{"changer"}),
		chunk("s", "l5", "test.nop", "listen", []any{"no-such-id"}),
	)
	tag := lowstate.Tag("test", "listener_l1", "l1", "mod_watch")
	lr, ok := res[tag]
	if !ok {
		t.Fatalf("no listener result %s in %v", tag, keys(res))
	}
	want(t, lr, T, "Watch statement fired.")
	if lr.RunNum <= byID(t, res, "l3").RunNum {
		t.Error("listeners run at the end of the run")
	}
	want(t, byID(t, res, "l1"), T, "Success!")
	if _, ok := res[lowstate.Tag("test", "listener_l2", "l2", "mod_watch")]; ok {
		t.Error("listener fired without changes")
	}
	if _, ok := res[lowstate.Tag("test", "listener_l4", "l4", "mod_watch")]; !ok {
		t.Error("a bare-id listen target must fire too")
	}
	for tag := range res {
		if strings.Contains(tag, "no-such-id") {
			t.Errorf("Salt ignores a bare listen id it cannot find, got %s", tag)
		}
	}
	er, ok := res[lowstate.Tag("Listen_Error", "listen_ghost", "listen_test", "Listen_Error")]
	if !ok {
		t.Fatalf("no Listen_Error for a missing listen target: %v", keys(res))
	}
	want(t, er, F, "Referenced state test: ghost does not exist")
}

func TestUseCopiesArguments(t *testing.T) {
	root := t.TempDir()
	os.MkdirAll(filepath.Join(root, "etc"), 0o755)
	chunks := []lowstate.Chunk{
		chunk("s", "/etc/a", "file.managed", "contents", "A", "mode", "0600"),
		chunk("s", "/etc/b", "file.managed", "contents", "B", "use", req("file", "/etc/a")),
	}
	state.Run(context.Background(), chunks, state.Options{Registry: registry(), Env: &state.Env{Root: root}})
	fi, err := os.Stat(filepath.Join(root, "etc/b"))
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o600 {
		t.Errorf("mode = %o, want 600 copied by use", fi.Mode().Perm())
	}
	b, _ := os.ReadFile(filepath.Join(root, "etc/b"))
	if string(b) != "B\n" {
		t.Errorf("use must not override the state's own contents: %q", b)
	}
	// use copies a resolved source with its bundle content
	hash, get := fileBundle("from source\n")
	chunks = []lowstate.Chunk{
		chunk("s", "/etc/c", "file.managed", "source", "salt://c", lowstate.KeyFile, hash),
		chunk("s", "/etc/d", "file.managed", "use", req("file", "/etc/c")),
	}
	res := state.Run(context.Background(), chunks, state.Options{Registry: registry(), Env: &state.Env{Root: root, File: get}})
	want(t, byID(t, res, "/etc/d"), T, "updated")
	if d, _ := os.ReadFile(filepath.Join(root, "etc/d")); string(d) != "from source\n" {
		t.Errorf("used source content %q", d)
	}
}

func TestRequisiteMatching(t *testing.T) {
	res := runChunks(t, false,
		chunk("web.app", "bad", "test.fail_without_changes", "name", "the-name"),
		chunk("web.app", "/srv/www/site/index.html", "test.fail_without_changes"),
		chunk("other", "ok", "test.nop"),
		chunk("s", "by_name", "test.nop", "require", req("test", "the-name")),
		chunk("s", "by_id_bare", "test.nop", "require", []any{"bad"}),
		chunk("s", "by_id_key", "test.nop", "require", req("id", "bad")),
		chunk("s", "by_sls", "test.nop", "require", req("sls", "web.app")),
		chunk("s", "by_sls_glob", "test.nop", "require", req("sls", "web.*")),
		chunk("s", "by_glob", "test.nop", "require", req("test", "ba?")),
		chunk("s", "by_fun", "test.nop", "require", req("test.fail_without_changes", "bad")),
		chunk("s", "ok_sls", "test.nop", "require", req("sls", "other")),
		// salt/state.py matches with fnmatch: '*' crosses '/'
		chunk("s", "by_path_glob", "test.nop", "require", req("test", "/srv/*.html")),
	)
	want(t, byID(t, res, "by_path_glob"), F, "One or more requisite failed: web.app./srv/www/site/index.html")
	for _, id := range []string{"by_name", "by_id_bare", "by_id_key", "by_sls", "by_sls_glob", "by_glob", "by_fun"} {
		want(t, byID(t, res, id), F, "One or more requisite failed: web.app.bad")
	}
	want(t, byID(t, res, "ok_sls"), T, "")
}

func TestMissingRequisiteTarget(t *testing.T) {
	res := runChunks(t, false,
		chunk("s", "a", "test.nop", "require", req("test", "nope")),
		chunk("s", "b", "test.nop"),
	)
	want(t, byID(t, res, "a"), F, "The following requisites were not found:\n                   require:\n                       test: nope\n")
	want(t, byID(t, res, "b"), T, "")
}

func TestUnknownFunctionAndMissingName(t *testing.T) {
	noName := chunk("s", "x", "test.nop")
	noName["name"] = ""
	res := runChunks(t, false,
		chunk("s", "a", "test.nope"),
		chunk("s", "b", "nomod.run"),
		noName,
		chunk("s", "c", "test.nop"),
	)
	want(t, byID(t, res, "a"), F, "State 'test.nope' was not found in SLS 's'")
	want(t, byID(t, res, "b"), F, "State 'nomod.run' was not found in SLS 's'")
	want(t, byID(t, res, "x"), F, "Missing parameter name for state test.nop")
	want(t, byID(t, res, "c"), T, "")
}

func TestMissingRequiredArgument(t *testing.T) {
	res := runChunks(t, false,
		chunk("s", "/etc/link", "file.symlink"),
		chunk("s", "c", "test.nop"),
	)
	want(t, byID(t, res, "/etc/link"), F, "Missing parameter target for state file.symlink")
	want(t, byID(t, res, "c"), T, "")
}

func TestUnlessOnlyifCreates(t *testing.T) {
	dir := t.TempDir()
	exists := filepath.Join(dir, "exists")
	os.WriteFile(exists, nil, 0o644)
	root := t.TempDir()
	os.WriteFile(filepath.Join(root, "present"), nil, 0o644)
	chunks := []lowstate.Chunk{
		chunk("s", "u_true", "test.succeed_with_changes", "unless", "true"),
		chunk("s", "u_false", "test.succeed_with_changes", "unless", "false"),
		chunk("s", "u_list", "test.succeed_with_changes", "unless", []any{"true", "false"}),
		chunk("s", "u_list_all", "test.succeed_with_changes", "unless", []any{"true", "test -e " + exists}),
		chunk("s", "o_false", "test.succeed_with_changes", "onlyif", "false"),
		chunk("s", "o_true", "test.succeed_with_changes", "onlyif", "true"),
		chunk("s", "o_list", "test.succeed_with_changes", "onlyif", []any{"true", "false"}),
		chunk("s", "o_fun", "test.succeed_with_changes", "onlyif", []any{map[string]any{"fun": "file.file_exists", "path": "/present"}}),
		chunk("s", "o_fun_no", "test.succeed_with_changes", "onlyif", []any{map[string]any{"fun": "file.file_exists", "args": []any{"/absent"}}}),
		chunk("s", "u_fun_cmd", "test.succeed_with_changes", "unless", []any{map[string]any{"fun": "cmd.run", "cmd": "echo yes"}}),
		chunk("s", "o_nofun", "test.succeed_with_changes", "onlyif", []any{map[string]any{"args": []any{"x"}}}),
		chunk("s", "c_yes", "test.succeed_with_changes", "creates", "/present"),
		chunk("s", "c_list", "test.succeed_with_changes", "creates", []any{"/present", "/present"}),
		chunk("s", "c_no", "test.succeed_with_changes", "creates", []any{"/present", "/absent"}),
		chunk("s", "env", "test.succeed_with_changes", "onlyif", `test "$FOO" = bar`, "env", map[string]any{"FOO": "bar"}),
		chunk("s", "cwd", "test.succeed_with_changes", "onlyif", `test -e exists`, "cwd", dir),
	}
	res := state.Run(context.Background(), chunks, state.Options{Registry: registry(), Env: &state.Env{Root: root}})
	skipped := map[string]string{
		"u_true": "unless condition is true", "u_list_all": "unless condition is true",
		"o_false": "onlyif condition is false", "o_list": "onlyif condition is false",
		"o_fun_no": "onlyif condition is false", "u_fun_cmd": "unless condition is true",
		"c_yes": "/present exists", "c_list": "All files in creates exist",
	}
	for id, cm := range skipped {
		r := byID(t, res, id)
		want(t, r, T, cm)
		if len(r.Changes) != 0 {
			t.Errorf("%s: skipped state has changes", id)
		}
	}
	for _, id := range []string{"u_false", "u_list", "o_true", "o_fun", "c_no", "env", "cwd"} {
		r := byID(t, res, id)
		want(t, r, T, "Success!")
		if len(r.Changes) == 0 {
			t.Errorf("%s: state should have run", id)
		}
	}
	want(t, byID(t, res, "o_nofun"), F, "no `fun` argument")
}

func TestCheckCmd(t *testing.T) {
	res := runChunks(t, false,
		chunk("s", "ok", "test.succeed_with_changes", "check_cmd", "true"),
		chunk("s", "bad", "test.succeed_with_changes", "check_cmd", []any{"true", "false"}),
	)
	want(t, byID(t, res, "ok"), T, "check_cmd determined the state succeeded")
	want(t, byID(t, res, "bad"), F, "check_cmd determined the state failed")
}

func TestRetry(t *testing.T) {
	dir := t.TempDir()
	cnt := filepath.Join(dir, "n")
	// fails on the first two attempts, succeeds on the third
	line := `n=$(cat ` + cnt + ` 2>/dev/null || echo 0); n=$((n+1)); echo $n > ` + cnt + `; test $n -ge 3`
	res := runChunks(t, false,
		chunk("s", "r", "cmd.run", "name", line, "retry", map[string]any{"attempts": float64(5), "interval": float64(0), "until": true}),
		chunk("s", "never", "test.fail_without_changes", "retry", map[string]any{"attempts": float64(2), "interval": float64(0)}),
	)
	r := byID(t, res, "r")
	want(t, r, T, `Attempt 2: Returned a result of "False", with the following comment: "Command`)
	b, _ := os.ReadFile(cnt)
	if strings.TrimSpace(string(b)) != "3" {
		t.Errorf("attempts = %s, want 3 (stop at the first success)", b)
	}
	want(t, byID(t, res, "never"), F, "Attempt 1:")
	// test mode: not retried, Salt's note appended
	res = runChunks(t, true, chunk("s", "r", "test.fail_without_changes", "retry", map[string]any{"attempts": float64(3), "interval": float64(1)}))
	want(t, byID(t, res, "r"), F, "The state would be retried every 1 seconds (with a splay of up to 0 seconds) a maximum of 3 times or until a result of True is returned")
}

// TestFailhard follows Salt's State.call_chunks/check_failhard: the run stops
// at the first failed state whose failhard (or the run's) is set, and only
// the states that ran are returned; test mode and a None result never stop.
func TestFailhard(t *testing.T) {
	mk := func(perState any) []lowstate.Chunk {
		bad := chunk("s", "bad", "test.fail_without_changes")
		if perState != nil {
			bad["failhard"] = perState
		}
		return []lowstate.Chunk{chunk("s", "first", "test.nop"), bad, chunk("s", "after", "test.nop"),
			chunk("s", "needs-bad", "test.nop", "require", req("test", "bad"))}
	}
	for _, tc := range []struct {
		name      string
		perState  any
		opt, test bool
		stop      bool
	}{
		{"state keyword", true, false, false, true},
		{"option", nil, true, false, true},
		{"off", nil, false, false, false},
		{"state keyword False overrides the option", false, true, false, false},
		{"ignored in test mode", true, true, true, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res := state.Run(context.Background(), mk(tc.perState), state.Options{Test: tc.test, Failhard: tc.opt, Registry: registry(), Env: &state.Env{Root: t.TempDir()}})
			want(t, byID(t, res, "first"), T, "Success!")
			want(t, byID(t, res, "bad"), F, "ailure!")
			if tc.stop {
				if len(res) != 2 {
					t.Errorf("failhard: Salt returns only the states that ran (first, bad), got %v", keys(res))
				}
				return
			}
			if len(res) != 4 {
				t.Fatalf("want all 4 states, got %v", keys(res))
			}
			want(t, byID(t, res, "after"), T, "Success!")
			want(t, byID(t, res, "needs-bad"), F, "One or more requisite failed: s.bad")
		})
	}
	// A requisite that fails under failhard stops the run before its
	// dependant, which then is not in the return either.
	bad := chunk("s", "bad", "test.fail_without_changes", "failhard", true)
	res := runChunks(t, false, chunk("s", "needs-bad", "test.nop", "require", req("test", "bad")), bad, chunk("s", "z", "test.nop"))
	if len(res) != 1 || byID(t, res, "bad") == nil {
		t.Errorf("want only the failed requisite, got %v", keys(res))
	}
}

func TestResultFields(t *testing.T) {
	res := runChunks(t, false, chunk("top.sls", "an-id", "test.succeed_with_changes", "name", "a name"))
	tag := lowstate.Tag("test", "an-id", "a name", "succeed_with_changes")
	r, ok := res[tag]
	if !ok {
		t.Fatalf("missing tag %s", tag)
	}
	if r.ID != "an-id" || r.Name != "a name" || r.SLS != "top.sls" || r.RunNum != 0 {
		t.Errorf("fields: %+v", r)
	}
	if !regexp.MustCompile(`^\d\d:\d\d:\d\d\.\d{6}$`).MatchString(r.Start) {
		t.Errorf("start_time %q", r.Start)
	}
	if r.Duration < 0 {
		t.Errorf("duration %v", r.Duration)
	}
	if len(r.Changes) == 0 {
		t.Error("changes missing")
	}
	fixed := time.Date(2026, 1, 2, 12, 34, 56, 0, time.UTC)
	res = state.Run(context.Background(), []lowstate.Chunk{chunk("s", "q", "test.nop")},
		state.Options{Registry: registry(), Env: &state.Env{Root: t.TempDir()}, Now: func() time.Time { return fixed }})
	if q := byID(t, res, "q"); q.Start != "12:34:56.000000" || q.Duration != 0 {
		t.Errorf("Options.Now not used: %q %v", q.Start, q.Duration)
	}
	r2 := byID(t, runChunks(t, false, chunk("s", "q", "test.nop")), "q")
	if r2.Changes == nil {
		t.Error("changes must be an empty map, not nil")
	}
}

// TestRecursiveRequisite: Salt 3007's call_chunk finds a cycle when a
// requisite is already being called (or is the state itself): that state
// fails with "Recursive requisite found" and the states above it through
// their requisites; the others run (salt/state.py call_chunk, self.active).
func TestRecursiveRequisite(t *testing.T) {
	res := runChunks(t, false,
		chunk("s", "a", "test.nop", "require", req("test", "b")),
		chunk("s", "b", "test.nop", "require", req("test", "a")),
		chunk("s", "c", "test.nop"),
		chunk("s", "x", "test.nop", "require", req("test", "y")),
		chunk("s", "y", "test.nop", "watch", req("test", "z")),
		chunk("s", "z", "test.nop", "onchanges", req("id", "x")),
		chunk("s", "self", "test.nop", "require", req("sls", "s")),
		chunk("t", "other", "test.nop", "require", req("sls", "s")),
	)
	want(t, byID(t, res, "a"), F, "One or more requisite failed: s.b")
	want(t, byID(t, res, "b"), F, "Recursive requisite found")
	want(t, byID(t, res, "c"), T, "")
	want(t, byID(t, res, "x"), F, "One or more requisite failed: s.y")
	want(t, byID(t, res, "y"), F, "One or more requisite failed: s.z")
	want(t, byID(t, res, "z"), F, "Recursive requisite found")
	want(t, byID(t, res, "self"), F, "Recursive requisite found")
	r := byID(t, res, "other")
	if r.Result == nil || *r.Result || !strings.HasPrefix(r.Comment, "One or more requisite failed: ") {
		t.Errorf("other: %v %q", r.Result, r.Comment)
	}
}

func TestPanickingStateIsContained(t *testing.T) {
	reg := registry()
	reg["boom"] = &state.Module{Funcs: map[string]state.Func{"go": func(context.Context, *state.Env, lowstate.Chunk) *lowstate.Result {
		panic("kaboom")
	}}}
	res := state.Run(context.Background(), []lowstate.Chunk{chunk("s", "a", "boom.go"), chunk("s", "b", "test.nop")},
		state.Options{Registry: reg, Env: &state.Env{Root: t.TempDir()}})
	want(t, byID(t, res, "a"), F, "kaboom")
	want(t, byID(t, res, "b"), T, "")
}

func TestTestModeReachesFunctions(t *testing.T) {
	res := runChunks(t, true,
		chunk("s", "a", "test.succeed_with_changes"),
		chunk("s", "b", "test.nop", "onchanges", req("test", "a")),
	)
	r := byID(t, res, "a")
	want(t, r, nil, "If we weren't testing")
	if len(r.Changes) == 0 {
		t.Error("test mode must predict changes")
	}
	// a predicted change fires onchanges in test mode, as in Salt
	want(t, byID(t, res, "b"), T, "Success!")
}

func TestCancelledRunStopsStates(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	reg := registry()
	reg["stop"] = &state.Module{Funcs: map[string]state.Func{"now": func(context.Context, *state.Env, lowstate.Chunk) *lowstate.Result {
		cancel()
		return state.OK("cancelled the run")
	}}}
	res := state.Run(ctx, []lowstate.Chunk{chunk("s", "a", "stop.now"), chunk("s", "b", "test.nop")},
		state.Options{Registry: reg, Env: &state.Env{Root: t.TempDir()}})
	want(t, byID(t, res, "a"), T, "cancelled the run")
	want(t, byID(t, res, "b"), F, "State was not run: the run stopped early (context canceled)")
}

func TestAnyRequisitesIgnoreFailuresWhenOneMatches(t *testing.T) {
	res := runChunks(t, false,
		chunk("s", "bad", "test.fail_without_changes"),
		chunk("s", "changer", "test.succeed_with_changes"),
		chunk("s", "quiet", "test.nop"),
		chunk("s", "oc_any", "test.succeed_with_changes", "onchanges_any", req("test", "bad", "test", "changer")),
		chunk("s", "oc_plain", "test.succeed_with_changes", "onchanges", req("test", "bad", "test", "changer")),
		chunk("s", "oc_any_quiet", "test.succeed_with_changes", "onchanges_any", req("test", "bad", "test", "quiet")),
	)
	want(t, byID(t, res, "oc_any"), T, "Success!")
	// plain onchanges: a failed requisite fails the state (Salt)
	want(t, byID(t, res, "oc_plain"), F, "One or more requisite failed: s.bad")
	want(t, byID(t, res, "oc_any_quiet"), F, "One or more requisite failed: s.bad")
}

// TestRunOrderIsSalts: State.call_chunk runs a chunk's requisites depth
// first, in the order they are written (require before watch before
// prereq), not in chunk order; a prereq holder runs after the prereq
// target's own requisites and before the target (users-formula's
// "users_X_user_prereq" directories).
func TestRunOrderIsSalts(t *testing.T) {
	res := runChunks(t, true,
		chunk("s", "x", "test.succeed_without_changes", "order", 1, "require", req("test", "b", "test", "a"), "watch", req("test", "w")),
		chunk("s", "w", "test.succeed_without_changes", "order", 2),
		chunk("s", "a", "test.succeed_without_changes", "order", 3),
		chunk("s", "b", "test.succeed_without_changes", "order", 4),
		chunk("s", "recurse", "test.succeed_without_changes", "order", 5, "require", req("test", "user")),
		chunk("s", "prereq-dir", "test.succeed_with_changes", "order", 6, "prereq", req("test", "user")),
		chunk("s", "grp2", "test.succeed_without_changes", "order", 7),
		chunk("s", "user", "test.succeed_with_changes", "order", 8, "require", req("test", "grp2", "test", "grp1")),
		chunk("s", "grp1", "test.succeed_without_changes", "order", 9),
	)
	got := res.Ordered()
	var ids []string
	for _, tag := range got {
		_, id, _, _ := lowstate.SplitTag(tag)
		ids = append(ids, id)
	}
	if want := "b a w x grp2 grp1 prereq-dir user recurse"; strings.Join(ids, " ") != want {
		t.Errorf("run order %q, want %q", strings.Join(ids, " "), want)
	}
}
