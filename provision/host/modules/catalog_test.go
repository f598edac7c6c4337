package modules

import (
	"testing"

	"brine/provision/wire/funcs"
)

// TestCatalogMatchesTable: every function the catalog says the host answers
// is implemented here, and every implementation is in the catalog as a host
// function (its signature is the catalog's).
func TestCatalogMatchesTable(t *testing.T) {
	cat := funcs.New()
	impl := table()
	for name, f := range cat {
		if f.Where != funcs.Host {
			if _, ok := impl[name]; ok {
				t.Errorf("%s is implemented on the host but the catalog says the controller answers it", name)
			}
			continue
		}
		if _, ok := impl[name]; !ok {
			t.Errorf("%s is a host function in the catalog with no implementation", name)
		}
	}
	for name := range impl {
		if _, ok := cat[name]; !ok {
			t.Errorf("%s is implemented but not in the catalog", name)
		}
	}
}
