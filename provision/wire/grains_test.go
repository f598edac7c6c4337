package wire

import (
	"bufio"
	"encoding/json"
	"reflect"
	"strings"
	"testing"
)

// TestGrainsKeepIntegers: grains decoded on the controller keep Salt's
// types, so a template prints num_cpus as 2, never 2.0.
func TestGrainsKeepIntegers(t *testing.T) {
	in := `{"v":1,"return":null,"retcode":0,"duration":0.5,"grains":{"num_cpus":2,"mem_total":3932,"load":0.5,"big":1e3,` +
		`"osrelease_info":[12],"saltversioninfo":[3007,1],"locale_info":{"n":7},"kernelparams":[["ro",null]]}}`
	var r Response
	if err := json.Unmarshal([]byte(in), &r); err != nil {
		t.Fatal(err)
	}
	want := Grains{"num_cpus": 2, "mem_total": 3932, "load": 0.5, "big": 1000.0,
		"osrelease_info": []any{12}, "saltversioninfo": []any{3007, 1}, "locale_info": map[string]any{"n": 7},
		"kernelparams": []any{[]any{"ro", nil}}}
	if !reflect.DeepEqual(r.Grains, want) {
		t.Errorf("grains = %#v\nwant     %#v", r.Grains, want)
	}
	if r.Duration != 0.5 {
		t.Errorf("duration %v", r.Duration)
	}
	// A request's roster grains, and the round trip of a cache entry.
	req, err := ReadRequest(bufio.NewReader(strings.NewReader(`{"v":1,"fun":"grains.items","grains":{"roles":["web"],"weight":3}}` + "\n")))
	if err != nil || req.Grains["weight"] != 3 {
		t.Errorf("request grains %#v %v", req.Grains, err)
	}
	var none struct{ G Grains }
	if err := json.Unmarshal([]byte(`{"G":null}`), &none); err != nil || none.G != nil {
		t.Errorf("null grains: %#v %v", none.G, err)
	}
	if err := json.Unmarshal([]byte(`{"G":[1]}`), &none); err == nil || !strings.Contains(err.Error(), "cannot unmarshal") {
		t.Errorf("bad grains: %v", err)
	}
}
