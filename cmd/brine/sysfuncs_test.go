package main

import (
	"reflect"
	"strings"
	"testing"
)

func TestSysReturn(t *testing.T) {
	ret, ok := sysReturn("sys.list_state_functions", []string{"alternatives"})
	want := []any{"alternatives.auto", "alternatives.install", "alternatives.remove", "alternatives.set"}
	if !ok || !reflect.DeepEqual(ret, want) {
		t.Errorf("list = %v; want %v", ret, want)
	}
	ret, ok = sysReturn("sys.state_doc", []string{"file.rename"})
	docs, _ := ret.(map[string]any)
	if !ok || len(docs) != 2 || docs["file"] == nil || !strings.Contains(docs["file.rename"].(string), "Moved") {
		t.Errorf("state_doc = %v", ret)
	}
	if _, ok := sysReturn("sys.doc", nil); ok {
		t.Error("sys.doc should not be handled")
	}
	for _, f := range []string{"sys.list_state_functions", "sys.state_doc"} {
		if fn, ok := lookupFunction(f); !ok || fn.kind != catalogFun {
			t.Errorf("%s is not a catalog function in the table", f)
		}
	}
}
