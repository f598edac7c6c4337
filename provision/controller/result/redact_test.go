package result

import (
	"encoding/json"
	"strings"
	"testing"
)

func TestRedact(t *testing.T) {
	r := HostReturn{ID: "h1", Error: "login failed for hunter2!", Notes: []string{"render error: hunter2 is undefined"}, Return: map[string]any{
		"file_|-/etc/db.conf_|-/etc/db.conf_|-managed": map[string]any{
			"changes": map[string]any{"diff": "--- \n+++ \n@@ -1 +1 @@\n-password=old-secret\n+password=hunter2\n"},
			"comment": "File updated",
			"list":    []any{"x hunter2 y", 3},
		},
		"hunter2": "key too",
	}}
	out := Redact(r, []string{"hunter2", "old-secret", "on"})
	b, _ := json.Marshal(out)
	for _, s := range []string{"hunter2", "old-secret"} {
		if strings.Contains(string(b), s) || strings.Contains(out.Error, s) || strings.Contains(strings.Join(out.Notes, " "), s) {
			t.Errorf("%q survived redaction: %s %s", s, b, out.Error)
		}
	}
	if !strings.Contains(string(b), "password="+Mask) || !strings.Contains(string(b), `"comment":"File updated"`) {
		t.Errorf("redaction changed more than the secrets: %s", b)
	}
	// Short values are not masked (they would blank out ordinary words).
	if !strings.Contains(string(b), "comment") || strings.Contains(string(b), "c"+Mask) {
		t.Errorf("short secret masked: %s", b)
	}
	// The input is not modified.
	if !strings.Contains(r.Error, "hunter2") {
		t.Error("Redact changed its input")
	}
}

func TestSecretValues(t *testing.T) {
	p := map[string]any{"db": map[string]any{"password": "s3cret", "port": 5432, "users": []any{"a1b2c3", map[string]any{"k": "deep-one"}}}, "x": "y"}
	got := SecretValues(p, []string{"db:password", "db:users", "missing:path", "x:y"})
	want := map[string]bool{"s3cret": true, "a1b2c3": true, "deep-one": true}
	if len(got) != len(want) {
		t.Fatalf("got %v", got)
	}
	for _, g := range got {
		if !want[g] {
			t.Errorf("unexpected %q", g)
		}
	}
}
