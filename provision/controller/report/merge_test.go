package report

import (
	"strings"
	"testing"
)

func TestMerge(t *testing.T) {
	a := &Document{Hosts: []HostReturn{{ID: "h3", Fun: "test.ping", Return: true}, {ID: "h1", Fun: "test.ping", Return: true}},
		Index: map[string]int{"h1": 0, "h3": 2}}
	b := &Document{Hosts: []HostReturn{{ID: "h2", Return: true}}, Index: map[string]int{"h2": 1}}
	m, fun, err := Merge([]*Document{a, b}, []string{"a.json", "b.json"})
	if err != nil || fun != "test.ping" {
		t.Fatal(fun, err)
	}
	var ids []string
	for _, h := range m.Hosts {
		ids = append(ids, h.ID)
	}
	if strings.Join(ids, ",") != "h1,h2,h3" || len(m.Index) != 3 {
		t.Errorf("merged %v %v", ids, m.Index)
	}
	if _, _, err := Merge([]*Document{a, a}, []string{"a.json", "again.json"}); err == nil || err.Error() != "host h3 is in both a.json and again.json: merge the outputs of disjoint runs (shards)" {
		t.Errorf("a host twice: %v", err)
	}
	c := &Document{Hosts: []HostReturn{{ID: "h4", Fun: "state.apply"}}}
	if _, _, err := Merge([]*Document{a, c}, []string{"a.json", "c.json"}); err == nil || err.Error() != "a.json ran test.ping but c.json ran state.apply: merge runs of one function" {
		t.Errorf("two functions: %v", err)
	}
}
