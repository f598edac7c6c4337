package jinja

import (
	"fmt"
	"testing"
)

// BenchmarkRenderMapJinja renders a formula's init.sls (map.jinja + filter_by + import_yaml + pillar)
// once per simulated host with distinct grains, as the compiler does for a 500-host roster.
func BenchmarkRenderMapJinja(b *testing.B) {
	loader := formulaLoader()
	e := New(loader)
	src := []byte(loader["ntp/init.sls"])
	hosts := make([]map[string]any, 500)
	for i := range hosts {
		fam := "Debian"
		if i%3 == 0 {
			fam = "RedHat"
		}
		grains := map[string]any{"os_family": fam, "id": fmt.Sprintf("host%d", i), "ipv4": []any{fmt.Sprintf("10.0.%d.%d", i/256, i%256)}}
		pillar := map[string]any{"ntp": map[string]any{"servers": []any{"a", "b"}}}
		hosts[i] = map[string]any{"grains": grains, "pillar": pillar, "salt": newFakeSalt(grains, pillar), "tplroot": "ntp"}
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := e.Render("ntp/init.sls", src, hosts[i%len(hosts)]); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkRenderSLSLoop renders a loop-heavy SLS body (users from pillar, macros, filters).
func BenchmarkRenderSLSLoop(b *testing.B) {
	e := New(nil)
	src := []byte(`{%- macro user(name, u) %}
{{ name }}:
  user.present:
    - uid: {{ u.uid }}
    - groups: {{ u.get('groups', [])|yaml }}
    - shell: {{ u.shell|default('/bin/bash') }}
{%- endmacro %}
{%- for name, u in pillar.users|dictsort %}
{{ user(name, u) }}
{%- endfor %}
`)
	users := map[string]any{}
	for i := 0; i < 50; i++ {
		users[fmt.Sprintf("user%02d", i)] = map[string]any{"uid": 1000 + i, "groups": []any{"adm", "sudo"}}
	}
	vars := map[string]any{"pillar": map[string]any{"users": users}}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := e.Render("users.sls", src, vars); err != nil {
			b.Fatal(err)
		}
	}
}
