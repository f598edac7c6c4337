package state

import "sync"

// Accumulators holds what file.accumulated states charged during one run
// (Salt keeps it in a per-run file under its cache dir): per target file
// name, the accumulator names in the order they ran, their text items and
// the states (ids or names) their require_in/watch_in point at. The
// engine creates one per run; file.blockreplace reads it.
type Accumulators struct {
	mu    sync.Mutex
	files map[string]*accumFile
}

type accumFile struct {
	names []string
	data  map[string][]any
	deps  map[string][]string
}

// Add charges accumulator name for filename with texts (duplicates are
// kept once, as Salt does) and records the states it feeds.
func (a *Accumulators) Add(filename, name string, texts []any, deps []string) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.files == nil {
		a.files = map[string]*accumFile{}
	}
	f := a.files[filename]
	if f == nil {
		f = &accumFile{data: map[string][]any{}, deps: map[string][]string{}}
		a.files[filename] = f
	}
	if _, ok := f.data[name]; !ok {
		f.names = append(f.names, name)
		f.data[name] = nil
	}
	f.deps[name] = append(f.deps[name], deps...)
	for _, t := range texts {
		dup := false
		for _, have := range f.data[name] {
			if Scalar(have) == Scalar(t) {
				dup = true
			}
		}
		if !dup {
			f.data[name] = append(f.data[name], t)
		}
	}
}

// For returns the text items charged for filename that state id consumes:
// those of the accumulators whose require_in/watch_in name id, or, when
// none does, of every accumulator of the file (Salt's blockreplace rule).
func (a *Accumulators) For(filename, id string) []any {
	if a == nil {
		return nil
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	f := a.files[filename]
	if f == nil {
		return nil
	}
	var pick []string
	for _, n := range f.names {
		for _, d := range f.deps[n] {
			if d == id {
				pick = append(pick, n)
				break
			}
		}
	}
	if len(pick) == 0 {
		pick = f.names
	}
	var out []any
	for _, n := range pick {
		out = append(out, f.data[n]...)
	}
	return out
}
