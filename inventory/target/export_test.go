package target

// NeedsGrains reports whether the target reads grains for some host.
func (e *Expr) NeedsGrains() bool {
	g, _ := e.m.Needs()
	return g
}
