package modules

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"syscall"
	"testing"

	"brine/provision/host/state"
	"brine/provision/wire/funcs"
)

// TestArchiveRecorded replays testdata/archive.json, what Salt 3007.1's
// own archive module returned (or raised) for zip, unzip and list on the
// same files, and the trees its unzips left (testdata/record-archive.py).
func TestArchiveRecorded(t *testing.T) {
	env, root := fileEnv(t)
	b, err := os.ReadFile("testdata/archive.json")
	if err != nil {
		t.Fatal(err)
	}
	var rec struct {
		Root  string `json:"root"`
		Calls []struct {
			Fun     string            `json:"fun"`
			Args    []any             `json:"args"`
			Kwargs  map[string]any    `json:"kwargs"`
			Return  json.RawMessage   `json:"return"`
			Raised  string            `json:"raised"`
			Message string            `json:"message"`
			Tree    map[string]string `json:"tree"`
		} `json:"calls"`
	}
	if err := json.Unmarshal(b, &rec); err != nil {
		t.Fatal(err)
	}
	old := syscallUmask(0o022)
	defer syscallUmask(old)
	r := filepath.Join(root, rec.Root)
	os.MkdirAll(r+"/src/sub", 0o755)
	os.WriteFile(r+"/src/a", []byte("a\n"), 0o640)
	os.WriteFile(r+"/src/sub/b", []byte("b\n"), 0o755)
	os.Chmod(r+"/src/a", 0o640)
	os.Chmod(r+"/src/sub/b", 0o755)
	os.WriteFile(r+"/notzip.zip", []byte("plain text\n"), 0o644)
	os.WriteFile(r+"/plain.txt", []byte("plain text\n"), 0o644)
	os.WriteFile(r+"/t.tgz", testTgz(t), 0o644)
	exeT(t, root, "/usr/bin/tar", "/usr/bin/gzip", "/usr/bin/gunzip")
	for i, s := range rec.Calls {
		got, err := Call(t.Context(), env, s.Fun, numbers(s.Args).([]any), numbers(s.Kwargs).(map[string]any))
		if s.Raised != "" {
			var ex *funcs.Exception
			if !errors.As(err, &ex) || pyExceptionStr(ex) != s.Message {
				t.Errorf("step %d %s%v %v: %v, Salt raised %s: %q", i, s.Fun, s.Args, s.Kwargs, err, s.Raised, s.Message)
			}
		} else if err != nil {
			t.Errorf("step %d %s%v %v: %v", i, s.Fun, s.Args, s.Kwargs, err)
		} else {
			var want any
			json.Unmarshal(s.Return, &want)
			if gj, _ := json.Marshal(got); !reflect.DeepEqual(numbers(want), numbers(jsonRound(gj))) {
				t.Errorf("step %d %s%v %v: %s, Salt's %s", i, s.Fun, s.Args, s.Kwargs, gj, s.Return)
			}
		}
		if s.Tree != nil {
			if tr := treeOf(filepath.Join(root, pyStr(s.Args[1]))); !reflect.DeepEqual(tr, s.Tree) {
				t.Errorf("step %d %s%v: tree\n%v\nSalt's\n%v", i, s.Fun, s.Args, tr, s.Tree)
			}
		}
	}
}

// TestArchiveCommands: tar, gzip and gunzip run as Salt's do.
func TestArchiveCommands(t *testing.T) {
	env, root := fileEnv(t)
	callErr(t, env, "archive.tar", []any{"czf", "/tmp/a.tgz"}, nil, "The 'tar' binary was not found in $PATH.")
	exeT(t, root, "/usr/bin/tar", "/usr/bin/gzip", "/usr/bin/gunzip")
	f := fakeOf(env)
	var ran []string
	f.Handler = func(c state.Cmd, _ string) (state.CmdResult, bool) {
		ran = append(ran, argvLine(c)+" @"+c.Cwd)
		return state.CmdResult{Stdout: "x\ny\n"}, true
	}
	if v := callT(t, env, "archive.tar", []any{"czf", "/tmp/a.tgz"}, map[string]any{"sources": "tmp/src, tmp/b", "cwd": "/"}); !reflect.DeepEqual(v, []any{"x", "y"}) {
		t.Errorf("tar: %v", v)
	}
	callT(t, env, "archive.tar", []any{"-xzf", "/tmp/a.tgz"}, map[string]any{"dest": "/tmp/out"})
	callT(t, env, "archive.gzip", []any{"/tmp/g.txt"}, map[string]any{"options": "-9"})
	callT(t, env, "archive.gunzip", []any{"/tmp/g.txt.gz"}, nil)
	want := []string{"tar czf /tmp/a.tgz tmp/src tmp/b @/", "tar -xzf /tmp/a.tgz -C /tmp/out @/home/owner", "gzip -9 /tmp/g.txt @/home/owner", "gunzip /tmp/g.txt.gz @/home/owner"}
	if !reflect.DeepEqual(ran, want) {
		t.Errorf("ran %q\nwant %q", ran, want)
	}
}

// pyExceptionStr is str() of Salt's CommandExecutionError: the message,
// then its info in the nested outputter (string values only here).
func pyExceptionStr(ex *funcs.Exception) string {
	info, _ := ex.Info.(map[string]any)
	if len(info) == 0 {
		return ex.Msg
	}
	s := ex.Msg
	if !strings.HasSuffix(s, ".") {
		s += "."
	}
	s += " Additional info follows:\n\n"
	keys := make([]string, 0, len(info))
	for k := range info {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var parts []string
	for _, k := range keys {
		parts = append(parts, k+":\n    "+pyStr(info[k]))
	}
	return s + strings.Join(parts, "\n")
}

func treeOf(d string) map[string]string {
	if _, err := os.Stat(d); err != nil {
		return nil
	}
	out := map[string]string{}
	filepath.WalkDir(d, func(p string, e fs.DirEntry, err error) error {
		if p == d || err != nil {
			return nil
		}
		rel, _ := filepath.Rel(d, p)
		fi, _ := os.Lstat(p)
		switch {
		case fi.Mode()&fs.ModeSymlink != 0:
			l, _ := os.Readlink(p)
			out[rel] = "link:" + l
		case fi.IsDir():
			out[rel] = fmt.Sprintf("dir:%o", fi.Mode().Perm())
		default:
			data, _ := os.ReadFile(p)
			out[rel] = fmt.Sprintf("file:%o:%s", fi.Mode()&(fs.ModePerm), data)
		}
		return nil
	})
	return out
}

// testTgz is record-archive.py's t.tgz.
func testTgz(t *testing.T) []byte {
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	tw := tar.NewWriter(zw)
	add := func(name string, typ byte, data, link string) {
		if err := tw.WriteHeader(&tar.Header{Name: name, Typeflag: typ, Linkname: link, Size: int64(len(data)), Mode: 0o644}); err != nil {
			t.Fatal(err)
		}
		tw.Write([]byte(data))
	}
	add("top", tar.TypeDir, "", "")
	add("top/f", tar.TypeReg, "x\n", "")
	add("top/d", tar.TypeDir, "", "")
	add("top/d/g", tar.TypeReg, "y\n", "")
	add("top/l", tar.TypeSymlink, "", "f")
	add("top/h", tar.TypeLink, "", "top/f")
	add("other", tar.TypeReg, "z\n", "")
	tw.Close()
	zw.Close()
	return buf.Bytes()
}

func syscallUmask(m int) int { return syscall.Umask(m) }
