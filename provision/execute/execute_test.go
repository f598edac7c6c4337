package execute

import (
	"os/exec"
	"strings"
	"testing"

	"brine/provision/shquote"
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

func TestUploadScriptIsAtomicAndVerified(t *testing.T) {
	dir := t.TempDir() + "/thin"
	data := "#!/bin/sh\necho ok\n"
	sum, _ := exec.Command("/bin/sh", "-c", "printf %s "+shquote.Quote(data)+" | sha256sum | cut -d' ' -f1").Output()
	sha := strings.TrimSpace(string(sum))
	cmd := exec.Command("/bin/sh", "-c", uploadScript(dir, sha, false))
	cmd.Stdin = strings.NewReader(data)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("upload: %v %s", err, out)
	}
	out, err := exec.Command(dir + "/brine-exec-" + sha).Output()
	if err != nil || string(out) != "ok\n" {
		t.Errorf("uploaded executor: %q %v", out, err)
	}
	// A corrupted upload is refused and leaves nothing behind.
	bad := exec.Command("/bin/sh", "-c", uploadScript(dir, strings.Repeat("0", 64), false))
	bad.Stdin = strings.NewReader(data)
	err = bad.Run()
	if ee, ok := err.(*exec.ExitError); !ok || ee.ExitCode() != 97 {
		t.Errorf("corrupt upload: want exit 97, got %v", err)
	}
	ls, _ := exec.Command("ls", "-A", dir).Output()
	if strings.Count(strings.TrimSpace(string(ls)), "\n") != 0 {
		t.Errorf("temp files left behind: %q", ls)
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
