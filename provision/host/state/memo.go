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
