package jinja

import (
	"bufio"
	"encoding/json"
	"os"
	"testing"
)

// TestOracleDump is a development aid, skipped unless JINJA_ORACLE_IN is set: it renders each
// JSON-encoded template in that file and writes {"src","out","err"} lines to JINJA_ORACLE_OUT,
// for comparison against Python's Jinja2.
func TestOracleDump(t *testing.T) {
	in, out := os.Getenv("JINJA_ORACLE_IN"), os.Getenv("JINJA_ORACLE_OUT")
	if in == "" || out == "" {
		t.Skip("set JINJA_ORACLE_IN and JINJA_ORACLE_OUT to run")
	}
	fh, err := os.Open(in)
	if err != nil {
		t.Fatal(err)
	}
	defer fh.Close()
	wf, err := os.Create(out)
	if err != nil {
		t.Fatal(err)
	}
	defer wf.Close()
	e := New(nil)
	sc := bufio.NewScanner(fh)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		var src string
		if err := json.Unmarshal(sc.Bytes(), &src); err != nil {
			t.Fatal(err)
		}
		res, rerr := e.Render("o.sls", []byte(src), defaultVars())
		rec := map[string]any{"src": src, "out": res}
		if rerr != nil {
			rec["err"] = rerr.Error()
		}
		b, _ := json.Marshal(rec)
		wf.Write(append(b, '\n'))
	}
}
