package dispatch

import (
	"bytes"
	"compress/gzip"
	"os/exec"
	"strings"
	"testing"

	"brine/provision/wire/bundle"
)

func TestRunScriptReportsMissingExecutor(t *testing.T) {
	dir := t.TempDir()
	out, err := exec.Command("/bin/sh", "-c", runScript(dir+"/it's here", []string{"aaa", "bbb"}, "", false)).Output()
	if err != nil {
		t.Fatal(err)
	}
	m, _, ok := parseMissing(string(out))
	if !ok || m == "" {
		t.Errorf("want the missing marker and the machine type, got %q", out)
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
		cmd := exec.Command("/bin/sh", "-c", uploadScript(dir, sha, c.gz))
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
	if err != nil || string(r.Return) != "true" {
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
