package main

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"brine/inventory/roster"
)

func TestSaltVersionConfig(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "brine.yaml")
	os.WriteFile(p, []byte("salt_version: '3006.9'\n"), 0o644)
	cfg, err := loadConfig(p, true)
	if err != nil {
		t.Fatal(err)
	}
	hosts := []*roster.Host{{ID: "a"}, {ID: "b", Grains: map[string]any{"saltversion": "3005", "roles": []any{"web"}}}}
	if err := applySaltVersion(cfg, hosts); err != nil {
		t.Fatal(err)
	}
	if hosts[0].Grains["saltversion"] != "3006.9" || !reflect.DeepEqual(hosts[0].Grains["saltversioninfo"], []any{3006, 9}) {
		t.Errorf("configured version not applied: %v", hosts[0].Grains)
	}
	if hosts[1].Grains["saltversion"] != "3005" {
		t.Errorf("a roster grain must win over salt_version: %v", hosts[1].Grains)
	}
	os.WriteFile(p, []byte("salt_version: latest\n"), 0o644)
	if _, err := loadConfig(p, true); err == nil || !strings.Contains(err.Error(), p) || !strings.Contains(err.Error(), "salt_version") {
		t.Errorf("bad salt_version: %v", err)
	}
	// Unset: hosts are left alone (the executor reports 3007.1 itself).
	none := []*roster.Host{{ID: "c"}}
	if err := applySaltVersion(&config{}, none); err != nil || none[0].Grains != nil {
		t.Errorf("unset: %v %v", none[0].Grains, err)
	}
}
