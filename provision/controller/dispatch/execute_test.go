package dispatch

import (
	"bytes"
	"compress/gzip"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"brine/provision/controller/executorbin"
	"brine/provision/wire/bundle"
)

func TestRunScriptReportsMissingExecutor(t *testing.T) {
	dir := t.TempDir()
	cands := []*executorbin.Executor{{Arch: "amd64", SHA: "aaa"}, {Arch: "arm64", SHA: "bbb"}}
	out, err := exec.Command("/bin/sh", "-c", startScript(dir+"/it's here", cands, false, false)).Output()
	if err != nil {
		t.Fatal(err)
	}
	m, _, d, ok := parseMissing(string(out))
	if !ok || m == "" || d != dir+"/it's here" {
		t.Errorf("want the missing marker, the machine type and the thin dir, got %q", out)
	}
}

func TestUploadScriptIsAtomic(t *testing.T) {
	data := "#!/bin/sh\necho ok\n"
	sha := bundle.Hash([]byte(data))
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	zw.Write([]byte(data))
	zw.Close()
	for _, c := range []struct {
		name  string
		gz    bool
		stdin []byte
		ok    bool
	}{{"raw", false, []byte(data), true}, {"gzip", true, gz.Bytes(), true}, {"broken gzip", true, []byte("not gzip"), false}} {
		dir := t.TempDir() + "/thin"
		cmd := exec.Command("/bin/sh", "-c", uploadScript(dir, sha, c.gz, false))
		cmd.Stdin = bytes.NewReader(c.stdin)
		out, err := cmd.CombinedOutput()
		if (err == nil) != c.ok {
			t.Fatalf("%s: upload: %v %s", c.name, err, out)
		}
		if c.ok {
			if out, err := exec.Command(dir + "/brine-exec-" + sha).Output(); err != nil || string(out) != "ok\n" {
				t.Errorf("%s: uploaded executor: %q %v", c.name, out, err)
			}
		}
		ls, _ := exec.Command("ls", "-A", dir).Output()
		if want := map[bool]int{true: 1, false: 0}[c.ok]; len(strings.Fields(string(ls))) != want {
			t.Errorf("%s: want %d files, got %q (a temp file left behind?)", c.name, want, ls)
		}
	}
}

func TestParseResponse(t *testing.T) {
	r, err := parseResponse([]byte(`{"v":1,"return":true,"retcode":0}` + "\n"))
	if err != nil || r.ret != true {
		t.Errorf("%v %v", r, err)
	}
	if _, err := parseResponse([]byte("sh: 1: oops\n")); err == nil {
		t.Error("garbage accepted")
	}
	if _, err := parseResponse(nil); err == nil {
		t.Error("empty accepted")
	}
}

func TestMarkWriterSeesSplitMarkers(t *testing.T) {
	ev := make(chan string, 4)
	m := &markWriter{marks: []string{markPrompt}, events: ev, strip: true}
	m.Write([]byte("noise BRINE-SUDO"))
	m.Write([]byte("-PROMPT: more"))
	select {
	case e := <-ev:
		if e != markPrompt {
			t.Errorf("event %q", e)
		}
	default:
		t.Fatal("a marker split across writes was missed")
	}
	if strings.Contains(string(m.bytes()), markPrompt) {
		t.Error("the prompt marker should be stripped from stderr")
	}
}

func TestCacheRoundTrip(t *testing.T) {
	c := Cache{Dir: t.TempDir()}
	if _, ok := c.Load("h1", "a:22"); ok {
		t.Fatal("empty cache hit")
	}
	if err := c.Save("h1", &HostCache{Addr: "a:22", Grains: map[string]any{"os": "Debian"}, ExecSHA: "x"}); err != nil {
		t.Fatal(err)
	}
	h, ok := c.Load("h1", "a:22")
	if !ok || h.Grains["os"] != "Debian" || h.ExecSHA != "x" {
		t.Errorf("%+v %v", h, ok)
	}
	if _, ok := c.Load("h1", "b:22"); ok {
		t.Error("a changed address must invalidate the entry")
	}
}

// TestStartScriptTrustsNothing runs the start script with this machine's
// /bin/sh against thin dirs in the states a hostile local user could leave
// them in: it runs only an executor it has checked, moves an unsafe thin
// dir aside or takes a fresh private one, and says which.
func TestStartScriptTrustsNothing(t *testing.T) {
	exe := "#!/bin/sh\necho ran-$(id -u)\n"
	sha := bundle.Hash([]byte(exe))
	cands := []*executorbin.Executor{{Arch: "amd64", SHA: sha}, {Arch: "arm64", SHA: strings.Repeat("0", 64)}}
	if executorbin.ArchFromUname(mustUname(t)) == "arm64" {
		cands[0].Arch, cands[1].Arch = "arm64", "amd64"
	}
	plant := func(t *testing.T, dir string, body string, mode os.FileMode) {
		t.Helper()
		if err := os.MkdirAll(dir, 0o700); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, "brine-exec-"+sha), []byte(body), mode); err != nil {
			t.Fatal(err)
		}
		os.Chmod(filepath.Join(dir, "brine-exec-"+sha), mode)
	}
	run := func(t *testing.T, dir string) string {
		t.Helper()
		out, err := exec.Command("/bin/sh", "-c", startScript(dir, cands, false, false)).CombinedOutput()
		if err != nil {
			t.Fatalf("%v: %s", err, out)
		}
		return string(out)
	}
	uid := os.Getuid()
	ran := fmt.Sprintf("ran-%d\n", uid)
	for _, c := range []struct {
		name  string
		setup func(t *testing.T, d string)
		want  []string // in the output, in order
	}{
		{"good", func(t *testing.T, d string) { plant(t, d, exe, 0o700) }, []string{ran}},
		{"missing", func(t *testing.T, d string) {}, []string{markMissing}},
		{"corrupt", func(t *testing.T, d string) { plant(t, d, exe+"#", 0o700) }, []string{"did not match its sha256: removed it", markMissing}},
		{"executor others can write", func(t *testing.T, d string) { plant(t, d, exe, 0o757) }, []string{"was not a plain file of uid", markMissing}},
		{"executor with two links", func(t *testing.T, d string) {
			plant(t, d, exe, 0o700)
			os.Link(filepath.Join(d, "brine-exec-"+sha), filepath.Join(d, "hard"))
		}, []string{"with one link", markMissing}},
		{"executor a symlink", func(t *testing.T, d string) {
			plant(t, d+"-other", exe, 0o700)
			os.MkdirAll(d, 0o700)
			os.Symlink(filepath.Join(d+"-other", "brine-exec-"+sha), filepath.Join(d, "brine-exec-"+sha))
		}, []string{"was not a plain file of uid", markMissing}},
		{"thin dir others can write", func(t *testing.T, d string) { plant(t, d, exe, 0o700); os.Chmod(d, 0o777) }, []string{"moved it aside into " + "", markMissing}},
		{"thin dir a symlink", func(t *testing.T, d string) {
			plant(t, d+"-real", exe, 0o700)
			os.Symlink(d+"-real", d)
		}, []string{"mode lrwx", "moved it aside", markMissing}},
		{"parent others can write", func(t *testing.T, d string) {
			plant(t, d, exe, 0o700)
			os.Chmod(filepath.Dir(d), 0o777)
		}, []string{"cannot be trusted: its parent", "using a fresh private directory", markMissing}},
	} {
		t.Run(c.name, func(t *testing.T) {
			d := filepath.Join(t.TempDir(), "p", "thin")
			os.MkdirAll(filepath.Dir(d), 0o755)
			c.setup(t, d)
			out := run(t, d)
			rest := out
			for _, w := range c.want {
				i := strings.Index(rest, w)
				if i < 0 {
					t.Fatalf("want %q (in order) in:\n%s", w, out)
				}
				rest = rest[i+len(w):]
			}
			if c.name != "good" && strings.Contains(out, "ran-") {
				t.Errorf("an unchecked executor ran:\n%s", out)
			}
			for _, l := range strings.Split(out, "\n") {
				if _, _, dir, ok := parseMissing(l); ok {
					if dir != d && strings.HasPrefix(dir, "/var/tmp/.brine-") {
						os.Remove(dir) // a fresh directory
					} else if dir != d {
						t.Errorf("upload to %q, want %q or a fresh directory", dir, d)
					}
				}
			}
		})
	}
}

func mustUname(t *testing.T) string {
	out, err := exec.Command("uname", "-m").Output()
	if err != nil {
		t.Fatal(err)
	}
	return strings.TrimSpace(string(out))
}
