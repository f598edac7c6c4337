package bundle

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"strings"
	"testing"

	"brine/provision/wire/lowstate"
)

func TestRoundTrip(t *testing.T) {
	content := []byte("hello\n")
	h := Hash(content)
	in := &lowstate.Bundle{
		Chunks: []lowstate.Chunk{{"state": "file", "fun": "managed", "name": "/etc/motd", "__id__": "motd", lowstate.KeyFile: h}},
		Files:  map[string][]byte{h: content},
		Pillar: map[string]any{"k": "v"},
	}
	data, sha, err := Pack(in)
	if err != nil {
		t.Fatal(err)
	}
	out, err := Unpack(data, sha)
	if err != nil {
		t.Fatal(err)
	}
	if len(out.Chunks) != 1 || out.Chunks[0].Name() != "/etc/motd" || string(out.Files[h]) != "hello\n" || out.Pillar["k"] != "v" {
		t.Errorf("round trip: %+v", out)
	}
	// Deterministic: the same bundle packs to the same bytes.
	data2, sha2, _ := Pack(in)
	if sha2 != sha || !bytes.Equal(data, data2) {
		t.Error("packing is not deterministic")
	}
	if _, err := Unpack(data, strings.Repeat("0", 64)); err == nil || !strings.Contains(err.Error(), "hash mismatch") {
		t.Errorf("wrong hash accepted: %v", err)
	}
}

func craft(t *testing.T, members map[string]string, typ byte) ([]byte, string) {
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	tw := tar.NewWriter(zw)
	for name, body := range members {
		tw.WriteHeader(&tar.Header{Name: name, Size: int64(len(body)), Mode: 0o600, Typeflag: typ})
		tw.Write([]byte(body))
	}
	tw.Close()
	zw.Close()
	return buf.Bytes(), Hash(buf.Bytes())
}

func TestRefusesEscapesAndForgeries(t *testing.T) {
	good := "x"
	cases := map[string]map[string]string{
		"dotdot":       {"lowstate.json": "{}", "../etc/passwd": "x"},
		"absolute":     {"lowstate.json": "{}", "/etc/passwd": "x"},
		"files dotdot": {"lowstate.json": "{}", "files/../../x": "x"},
		"wrong hash":   {"lowstate.json": "{}", "files/" + strings.Repeat("a", 64): good},
		"no meta":      {"files/" + Hash([]byte(good)): good},
		"bad json":     {"lowstate.json": "{"},
	}
	for name, m := range cases {
		data, sha := craft(t, m, tar.TypeReg)
		if _, err := Unpack(data, sha); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
	data, sha := craft(t, map[string]string{"lowstate.json": "{}"}, tar.TypeSymlink)
	if _, err := Unpack(data, sha); err == nil {
		t.Error("symlink member accepted")
	}
}
