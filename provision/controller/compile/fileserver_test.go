package compile

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// TestFileserverAndSlsutil: the cp.list_* functions salt-ssh answers from
// the master's file server (salt/client/ssh/wrapper/cp.py over
// salt/fileserver/roots.py: relative paths, sorted, prefix stripped of its
// slashes then matched with startswith) and slsutil.serialize/deserialize
// (salt/modules/slsutil.py over salt/serializers/yaml.py and json.py).
func TestFileserverAndSlsutil(t *testing.T) {
	root := t.TempDir()
	for _, f := range []string{"top.sls", "users/init.sls", "users/files/user/.keep", "users/files/user/alice/.bashrc", "users/map.jinja", "web/server.sls"} {
		p := filepath.Join(root, f)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, nil, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	_, _, call := saltCaller(t, New(Tree{FileRoots: map[string][]string{"base": {root}}}), Host{ID: "h", Grains: map[string]any{}})
	data := map[string]any{"values": map[string]any{"b": []any{1, 2}, "a": "x", "c": []any{map[string]any{"d": 1}}}}
	cases := []struct {
		name string
		args []any
		kw   map[string]any
		want any
	}{
		{"cp.list_master_dirs", nil, map[string]any{"prefix": "users/files/user/"}, []any{"users/files/user", "users/files/user/alice"}},
		{"cp.list_master_dirs", []any{"base"}, nil, []any{"users", "users/files", "users/files/user", "users/files/user/alice", "web"}},
		{"cp.list_master_dirs", []any{"nope"}, nil, []any{}},
		{"cp.list_master", []any{"base", "users/files"}, nil, []any{"users/files/user/.keep", "users/files/user/alice/.bashrc"}},
		{"cp.list_states", nil, nil, []any{"top", "users", "web.server"}},
		{"cp.envs", nil, nil, []any{"base"}},
		// salt/serializers/yaml.py: default_flow_style None unless given
		{"slsutil.serialize", []any{"yaml", data}, map[string]any{"default_flow_style": false, "allow_unicode": true},
			"values:\n  a: x\n  b:\n  - 1\n  - 2\n  c:\n  - d: 1"},
		{"slsutil.serialize", []any{"yaml", data}, nil, "values:\n  a: x\n  b: [1, 2]\n  c:\n  - {d: 1}"},
		{"slsutil.serialize", []any{"yaml", "x"}, nil, "x"},
		{"slsutil.serialize", []any{"json", map[string]any{"a": []any{1, "b"}}}, nil, `{"a": [1, "b"]}`},
		{"slsutil.deserialize", []any{"yaml", "a: [1, b]\n"}, nil, map[string]any{"a": []any{1, "b"}}},
		{"slsutil.deserialize", []any{"json", `{"a": 1}`}, nil, map[string]any{"a": 1}},
	}
	for _, tc := range cases {
		got, err := call(tc.name, tc.args, tc.kw)
		if err != nil || !reflect.DeepEqual(got, tc.want) {
			t.Errorf("%s(%v, %v) = %#v, %v; want %#v", tc.name, tc.args, tc.kw, got, err, tc.want)
		}
	}
	if _, err := call("slsutil.serialize", []any{"nope", 1}, nil); err == nil || err.Error() != "Serializer 'nope' not found." {
		t.Errorf("unknown serializer: %v", err)
	}
	if _, err := call("slsutil.serialize", []any{"toml", 1}, nil); err == nil || !strings.Contains(err.Error(), "not implemented by brine") {
		t.Errorf("toml: %v", err)
	}
}
