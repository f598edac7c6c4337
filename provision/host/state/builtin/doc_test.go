package builtin

import "testing"

// TestDocsNameFunctions fails when a module documents a function it does
// not declare (a renamed or removed function whose doc stayed behind);
// TestCatalogMatchesRegistry checks every function has a doc.
func TestDocsNameFunctions(t *testing.T) {
	for name, e := range specs() {
		if unknown := e.spec().Document(e.doc()); len(unknown) > 0 {
			t.Errorf("module %s documents functions it does not declare: %v", name, unknown)
		}
	}
}

// TestRegistryCarriesNoDocs fails when a module's Spec carries docs again:
// the executor links the modules (and their specs) but not their docs.
func TestRegistryCarriesNoDocs(t *testing.T) {
	for name, m := range Registry() {
		if m.Spec.Doc != "" {
			t.Errorf("module %s: its Spec has a doc; keep docs in its Doc()", name)
		}
		for fun, f := range m.Spec.Funcs {
			if f.Doc != "" {
				t.Errorf("%s.%s: its Spec has a doc; keep docs in the module's Doc()", name, fun)
			}
		}
	}
}
