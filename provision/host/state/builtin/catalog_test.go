package builtin_test

import (
	"sort"
	"strings"
	"testing"

	"brine/provision/host/state/builtin"
)

// TestCatalogMatchesRegistry fails when a registered function has no spec,
// a spec names no function, or a spec's signature is malformed: the
// catalog cannot drift from the implementations.
func TestCatalogMatchesRegistry(t *testing.T) {
	reg, cat := builtin.Registry(), builtin.Catalog()
	if len(reg) != len(cat) {
		t.Errorf("registry has %d modules, catalog %d", len(reg), len(cat))
	}
	for name, m := range reg {
		if m.Spec == nil {
			t.Errorf("module %s registers no spec", name)
			continue
		}
		cm, ok := cat[name]
		if !ok {
			t.Errorf("module %s is not in the catalog", name)
			continue
		}
		if cm.Doc == "" {
			t.Errorf("module %s has no doc", name)
		}
		for fun := range m.Funcs {
			if _, ok := m.Spec.Funcs[fun]; !ok {
				t.Errorf("%s.%s is registered without a spec", name, fun)
			}
			if _, ok := cm.Funcs[fun]; !ok {
				t.Errorf("%s.%s is registered but not in the catalog", name, fun)
			}
		}
		for fun, f := range cm.Funcs {
			if _, ok := m.Funcs[fun]; !ok {
				t.Errorf("the catalog's %s.%s names no registered function", name, fun)
			}
			if f.Err != nil {
				t.Errorf("%s.%s: %v", name, fun, f.Err)
			}
			if f.Doc == "" {
				t.Errorf("%s.%s has no doc", name, fun)
			}
			if fun != "run" || name != "module" {
				if a, ok := f.Arg("name"); !ok || !a.Required {
					t.Errorf("%s.%s: name is not its first, required argument", name, fun)
				}
			}
		}
	}
}

func TestCatalogListAndDocs(t *testing.T) {
	cat := builtin.Catalog()
	all := cat.List()
	if !sort.StringsAreSorted(all) || len(all) < 60 {
		t.Fatalf("List() = %d functions, sorted %v", len(all), sort.StringsAreSorted(all))
	}
	got := strings.Join(cat.List("sys", "host"), ",")
	if got != "host.absent,host.present" {
		t.Errorf("List(sys, host) = %s", got)
	}
	if got := strings.Join(cat.List("file.s*"), ","); got != "file.serialize,file.symlink" {
		t.Errorf("List(file.s*) = %s", got)
	}
	docs := cat.Docs("service.running")
	if len(docs) != 2 || docs["service"] == "" || !strings.Contains(docs["service.running"], "enable (bool, default None)") {
		t.Errorf("Docs(service.running) = %v", docs)
	}
	if d := cat.Docs("file.rename")["file.rename"]; !strings.Contains(d, "source (string, required)") || !strings.Contains(d, "**kwargs") {
		t.Errorf("file.rename doc:\n%s", d)
	}
}
