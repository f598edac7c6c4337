package report

import (
	"bytes"
	"fmt"
	"strings"
	"testing"
	"time"

	"brine/provision/controller/result"
	"brine/provision/wire/lowstate"
)

// shapes is one host of every shape Data and the recap treat differently.
func shapes() []HostReturn {
	ok, bad := true, false
	return []HostReturn{
		{ID: "web1", Fun: "state.apply", Retcode: 2, Duration: 1234567891, Return: lowstate.Results{
			"file_|-motd_|-/etc/motd_|-managed": {ID: "motd", Name: "/etc/motd", Result: &ok, Comment: "File /etc/motd updated",
				Changes: map[string]any{"diff": "-old\n+new"}, SLS: "motd", Start: "10:30:00.000001", Duration: 7.0},
			"cmd_|-broken_|-exit 3_|-run": {ID: "broken", Name: "exit 3", Result: &bad, Comment: "Command \"exit 3\" run",
				Changes: map[string]any{"retcode": 3}, SLS: "motd", RunNum: 1, Start: "10:30:00.1", Duration: 1.25}}},
		{ID: "web2", Fun: "state.apply", Unreachable: true, Retcode: 255, Error: "dial tcp 192.0.2.1:22: connect: connection refused", Duration: 3 * time.Second},
		{ID: "web3", Fun: "state.apply", Retcode: 1, Error: "Rendering SLS 'base:motd' failed: line 3\nmore", Duration: 5 * time.Millisecond},
		{ID: "web4", Fun: "state.apply", Return: map[string]any{}, Duration: 2 * time.Millisecond, Notes: []string{"took over a stale host lock"}},
		{ID: "web7", Fun: "state.apply", Failure: result.NotRun, Retcode: 1, Error: "not run: stopped after 3 failed hosts"},
		{ID: "web8", Fun: "state.apply", Failure: result.Interrupted, Retcode: 1, Error: "interrupted: on the controller (SIGINT)", Duration: time.Second,
			Return: lowstate.Results{"test_|-a_|-a_|-nop": {ID: "a", Name: "a", Result: &ok, Duration: 1}}},
		{ID: "web9", Fun: "cmd.run", Failure: result.ConnectionLost, Retcode: 255, Error: "connection lost: EOF", Return: "half"},
		{ID: "web5", Fun: "state.apply", Retcode: 1, Error: "lock timeout", Duration: time.Second, Return: lowstate.Results{
			"test_|-a_|-a_|-nop": {ID: "a", Name: "a", Result: &ok, Duration: 1}}},
		{ID: "web6", Fun: "state.apply", Return: lowstate.Results{
			"test_|-a_|-a_|-nop": {ID: "a", Name: "a", Result: &ok, Duration: 1, Changes: map[string]any{"x": 1}}}, Duration: 4 * time.Second},
	}
}

// printRun prints all as a run does: --static documents, then the recap.
func printRun(t *testing.T, out string, all []HostReturn, meta *Meta) string {
	t.Helper()
	var b bytes.Buffer
	o := Options{StateOutput: "full", StateVerbose: true, Static: true, Meta: meta}
	p, err := New(&b, out, o)
	if err != nil {
		t.Fatal(err)
	}
	if err := p.Finish(all); err != nil {
		t.Fatal(err)
	}
	if out != "json" && out != "yaml" {
		if err := Recap(&b, all, o); err != nil {
			t.Fatal(err)
		}
	}
	return b.String()
}

func TestStaticJSONRoundTrip(t *testing.T) {
	all := shapes()
	meta := &Meta{JID: "20261128103000123456", Index: map[string]int{}}
	for i, r := range all {
		meta.Index[r.ID] = i * 2
	}
	doc := printRun(t, "json", all, meta)
	if !strings.Contains(doc, `"__brine__": {`) || !strings.Contains(doc, `"jid": "20261128103000123456"`) {
		t.Fatalf("no metadata in the static document:\n%s", doc)
	}
	d, err := ReadDocument(strings.NewReader(doc))
	if err != nil {
		t.Fatal(err)
	}
	if !d.Complete || d.JID != meta.JID || len(d.Hosts) != len(all) {
		t.Fatalf("document: complete=%v jid=%q hosts=%d", d.Complete, d.JID, len(d.Hosts))
	}
	for _, out := range Outputters() {
		if want, got := printRun(t, out, all, meta), printRun(t, out, d.Hosts, meta); want != got {
			t.Errorf("--out %s after the round trip differs:\nwant:\n%s\ngot:\n%s", out, want, got)
		}
	}
	for i, r := range d.Hosts {
		if r.Duration != all[i].Duration || r.Retcode != all[i].Retcode || r.Unreachable != all[i].Unreachable || r.Succeeded() != all[i].Succeeded() ||
			r.Failure != all[i].Failure || r.Error != all[i].Error || fmt.Sprint(r.Notes) != fmt.Sprint(all[i].Notes) {
			t.Errorf("%s: %+v, want %+v", r.ID, r, all[i])
		}
	}
}

func TestShardsMergeIntoRosterOrder(t *testing.T) {
	all := shapes()
	index := map[string]int{}
	for i, r := range all {
		index[r.ID] = i
	}
	// Three shards, interleaved in the roster.
	var merged []HostReturn
	for k := range 3 {
		var shard []HostReturn
		for i, r := range all {
			if i%3 == k {
				shard = append(shard, r)
			}
		}
		d, err := ReadDocument(strings.NewReader(printRun(t, "json", shard, &Meta{Index: index})))
		if err != nil {
			t.Fatal(err)
		}
		merged = append(merged, d.Hosts...)
	}
	SortByIndex(merged, index)
	if want, got := printRun(t, "highstate", all, nil), printRun(t, "highstate", merged, nil); want != got {
		t.Errorf("merged shards differ from the whole run:\nwant:\n%s\ngot:\n%s", want, got)
	}
}

func TestDocumentWithoutMetadata(t *testing.T) {
	// salt-ssh's shapes, as another tool (or a non-static stream) prints them.
	doc := `{"a": true}
{"b": {"_error": "Host unreachable", "retcode": 255, "stderr": "no route", "stdout": ""}}
{"c": {"_error": "Failed to return clean data", "retcode": 3, "stderr": "boom", "stdout": "partial"}}
{"d": {"cmd_|-x_|-x_|-run": {"result": false, "comment": "", "changes": {}, "__run_num__": 0}}}
{"e": {"_error": "Not run", "retcode": 1, "stderr": "not run: stopped", "stdout": ""}}
`
	d, err := ReadDocument(strings.NewReader(doc))
	if err != nil {
		t.Fatal(err)
	}
	if d.Complete || len(d.Hosts) != 5 {
		t.Fatalf("complete=%v hosts=%d", d.Complete, len(d.Hosts))
	}
	a, b, c, e := d.Hosts[0], d.Hosts[1], d.Hosts[2], d.Hosts[3]
	if a.Return != true || !a.Succeeded() {
		t.Errorf("a: %+v", a)
	}
	if !b.Unreachable || b.Retcode != 255 || b.Error != "no route" {
		t.Errorf("b: %+v", b)
	}
	if b.Unreachable && c.Unreachable || c.Retcode != 3 || c.Error != "boom" || c.Return != "partial" || c.Succeeded() {
		t.Errorf("c: %+v", c)
	}
	if e.Fun != "state.apply" || e.Retcode != 2 || e.Succeeded() {
		t.Errorf("d: %+v", e)
	}
	if nr := d.Hosts[4]; nr.Failure != result.NotRun || nr.Succeeded() {
		t.Errorf("e: %+v", nr)
	}
	for _, bad := range []string{"", "[1, 2]", `{"a": 1} {"a": 2}`, "{"} {
		if _, err := ReadDocument(strings.NewReader(bad)); err == nil {
			t.Errorf("%q read without error", bad)
		}
	}
}
