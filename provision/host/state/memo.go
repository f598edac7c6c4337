package state

import "sync"

// Memo keeps what state functions learn about the host during one run (the
// package list, a user's crontab), so a later state asks no process for it
// again: a no-change run of a tree with many package states runs one
// package query. A function that changes the thing forgets it. A nil Memo
// remembers nothing.
type Memo struct {
	mu sync.Mutex
	m  map[string]any
}

// Load returns what was stored under key.
func (m *Memo) Load(key string) (any, bool) {
	if m == nil {
		return nil, false
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	v, ok := m.m[key]
	return v, ok
}

// Store remembers v under key for the rest of the run.
func (m *Memo) Store(key string, v any) {
	if m == nil {
		return
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.m == nil {
		m.m = map[string]any{}
	}
	m.m[key] = v
}

// Forget drops key: the host changed under it.
func (m *Memo) Forget(key string) {
	if m == nil {
		return
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	delete(m.m, key)
}

// Salt's pkg rtag (salt/utils/pkg, states/pkg.py mod_init): the first
// pkg.installed or pkg.latest of a run asks for one refresh of the package
// lists, which the first package state that installs something (or looks
// up the newest versions) makes; any refresh of the lists (refresh_db,
// pkgrepo's) answers it. A nil Memo never asks.
const (
	pkgModInit = "pkg:mod_init"
	pkgRtag    = "pkg:rtag"
)

// PkgModInit is pkg's mod_init: the first call of a run asks for the
// refresh.
func PkgModInit(env *Env) {
	if _, done := env.Memo.Load(pkgModInit); done {
		return
	}
	env.Memo.Store(pkgModInit, true)
	env.Memo.Store(pkgRtag, true)
}

// PkgRefreshPending reports that the run's refresh is still to be made.
func PkgRefreshPending(env *Env) bool {
	v, _ := env.Memo.Load(pkgRtag)
	b, _ := v.(bool)
	return b
}

// PkgRefreshed notes that the package lists were refreshed (clear_rtag).
func PkgRefreshed(env *Env) {
	env.Memo.Store(pkgRtag, false)
}

// grainsChanged marks a run in which a function changed the persistent
// grains (grains.setval through module.run).
const grainsChanged = "grains:changed"

// GrainsChanged notes that the host's persistent grains changed: the
// executor collects them again for its answer.
func GrainsChanged(env *Env) { env.Memo.Store(grainsChanged, true) }

// GrainsWereChanged reports whether a function of the run noted
// GrainsChanged in m.
func GrainsWereChanged(m *Memo) bool {
	_, ok := m.Load(grainsChanged)
	return ok
}
