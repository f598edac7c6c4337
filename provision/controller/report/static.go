package report

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"sort"
	"time"

	"brine/provision/controller/result"
)

// MetaKey is the entry a static json document (--out json --static)
// carries beside its hosts: what Data leaves out of each host (function,
// retcode, error, duration, roster position) and the run's job id, so
// ReadDocument rebuilds every HostReturn the recap and the outputters
// need. A host whose id is MetaKey itself suppresses it.
const MetaKey = "__brine__"

// metaVersion is the version of the MetaKey entry's shape.
const metaVersion = 1

// Meta is what a run adds to its static json document under MetaKey.
type Meta struct {
	// JID is the run's job id ("" when it has none).
	JID string
	// Index is each host's position in the roster: hosts from several
	// documents of one roster (shards) merge back into roster order.
	Index map[string]int
}

// hostMeta is one host's entry under MetaKey.
type hostMeta struct {
	Fun         string   `json:"fun"`
	Index       *int     `json:"index,omitempty"`
	Retcode     int      `json:"retcode"`
	Unreachable bool     `json:"unreachable,omitempty"`
	Failure     string   `json:"failure,omitempty"`
	Error       string   `json:"error,omitempty"`
	Notes       []string `json:"notes,omitempty"`
	Duration    float64  `json:"duration"` // seconds
}

type docMeta struct {
	Version int                 `json:"version"`
	JID     string              `json:"jid,omitempty"`
	Hosts   map[string]hostMeta `json:"hosts"`
}

// withMeta is a static document with its MetaKey entry after the hosts.
type withMeta struct {
	hosts map[string]any
	meta  any
}

// MarshalJSON writes the hosts (keys sorted) and then MetaKey, so the
// hosts come first for a reader.
func (d withMeta) MarshalJSON() ([]byte, error) {
	marshal := func(v any) ([]byte, error) {
		var b bytes.Buffer
		e := json.NewEncoder(&b)
		e.SetEscapeHTML(false)
		if err := e.Encode(v); err != nil {
			return nil, err
		}
		return bytes.TrimSpace(b.Bytes()), nil
	}
	hosts, err := marshal(d.hosts)
	if err != nil {
		return nil, err
	}
	meta, err := marshal(d.meta)
	if err != nil {
		return nil, err
	}
	key, _ := json.Marshal(MetaKey)
	out := hosts[:len(hosts)-1] // drop the closing brace
	if len(d.hosts) > 0 {
		out = append(out, ',')
	}
	out = append(append(append(append(out, key...), ':'), meta...), '}')
	return out, nil
}

// failureClasses are the result.Failure values, read back from their
// headings.
var failureClasses = []string{result.ConnectionLost, result.Interrupted, result.TimedOut,
	result.UploadFailed, result.CompileFailed, result.ExecutorFailed, result.NotRun}

// metaEntry builds the MetaKey entry for all.
func metaEntry(all []HostReturn, m *Meta) any {
	d := docMeta{Version: metaVersion, JID: m.JID, Hosts: make(map[string]hostMeta, len(all))}
	for _, r := range all {
		h := hostMeta{Fun: r.Fun, Retcode: r.Retcode, Unreachable: r.Unreachable, Failure: r.Failure, Error: r.Error,
			Notes: r.Notes, Duration: r.Duration.Seconds()}
		if i, ok := m.Index[r.ID]; ok {
			h.Index = &i
		}
		d.Hosts[r.ID] = h
	}
	return generic(d)
}

// Document is a json output read back: the hosts' returns rebuilt.
type Document struct {
	// JID is the job id the run recorded ("" when unknown).
	JID string
	// Hosts are the returns, by roster position where the document gives
	// it, else in the order of their ids.
	Hosts []HostReturn
	// Index holds the roster positions the document gives.
	Index map[string]int
	// Complete is true when the document carried brine's MetaKey entry,
	// so every HostReturn is whole; without it (another tool's output, or
	// a stream of per-host documents) durations are unknown and retcodes
	// are inferred from the returns' shapes.
	Complete bool
}

// ReadDocument reads what `--out json` printed: one static document
// {host: return, MetaKey: ...} or a stream of per-host documents.
func ReadDocument(r io.Reader) (*Document, error) {
	dec := json.NewDecoder(r)
	dec.UseNumber()
	data := map[string]any{}
	var order []string
	var meta *docMeta
	for n := 0; ; n++ {
		var doc map[string]json.RawMessage
		err := dec.Decode(&doc)
		if errors.Is(err, io.EOF) {
			if n == 0 {
				return nil, errors.New("empty: want the output of --out json --static")
			}
			break
		}
		if err != nil {
			return nil, fmt.Errorf("not brine's json output (want --out json --static): %w", err)
		}
		keys := make([]string, 0, len(doc))
		for k := range doc {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			raw := doc[k]
			if k == MetaKey {
				var m docMeta
				if err := json.Unmarshal(raw, &m); err == nil && m.Version >= 1 && m.Hosts != nil {
					if m.Version > metaVersion {
						return nil, fmt.Errorf("%s version %d is newer than this brine reads (%d)", MetaKey, m.Version, metaVersion)
					}
					meta = &m
					continue
				}
			}
			if _, dup := data[k]; dup {
				return nil, fmt.Errorf("host %q appears twice", k)
			}
			v, err := decodeNumbers(raw)
			if err != nil {
				return nil, fmt.Errorf("host %q: %w", k, err)
			}
			data[k] = v
			order = append(order, k)
		}
	}
	d := &Document{Index: map[string]int{}, Complete: meta != nil}
	if meta != nil {
		d.JID = meta.JID
		for _, id := range order {
			if _, ok := meta.Hosts[id]; !ok {
				d.Complete = false
			}
		}
	}
	for _, id := range order {
		var hm *hostMeta
		if meta != nil {
			if m, ok := meta.Hosts[id]; ok {
				hm = &m
				if m.Index != nil {
					d.Index[id] = *m.Index
				}
			}
		}
		d.Hosts = append(d.Hosts, fromData(id, data[id], hm))
	}
	SortByIndex(d.Hosts, d.Index)
	return d, nil
}

// SortByIndex orders hosts by their index (hosts without one last), then
// by id.
func SortByIndex(hosts []HostReturn, index map[string]int) {
	sort.SliceStable(hosts, func(i, j int) bool {
		a, aok := index[hosts[i].ID]
		b, bok := index[hosts[j].ID]
		if aok != bok {
			return aok
		}
		if aok && a != b {
			return a < b
		}
		return hosts[i].ID < hosts[j].ID
	})
}

func decodeNumbers(raw json.RawMessage) (any, error) {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var v any
	err := dec.Decode(&v)
	return v, err
}

// fromData is Data's inverse: the HostReturn a host's document value came
// from. With the host's metadata it is exact for everything Data, the
// outputters and Recap read; without it, it is inferred from salt-ssh's
// shapes.
func fromData(id string, v any, m *hostMeta) HostReturn {
	r := HostReturn{ID: id}
	if m != nil {
		r.Fun, r.Retcode, r.Unreachable, r.Failure, r.Error, r.Notes = m.Fun, m.Retcode, m.Unreachable, m.Failure, m.Error, m.Notes
		r.Duration = time.Duration(math.Round(m.Duration * float64(time.Second)))
		switch {
		case r.Unreachable:
			// Data prints only the error shape.
		case r.Error != "" && !IsStateFun(r.Fun):
			if e, ok := v.(map[string]any); ok {
				if s, ok := e["stdout"].(string); ok && s != "" {
					r.Return = s
				}
			}
		default:
			r.Return = v
		}
		return r
	}
	if e, ok := v.(map[string]any); ok {
		if kind, ok := e["_error"].(string); ok {
			r.Unreachable = kind == "Host unreachable"
			for _, f := range failureClasses {
				if f != result.ExecutorFailed && Heading(HostReturn{Failure: f}) == kind {
					r.Failure = f
				}
			}
			r.Retcode = int(number(e["retcode"]))
			r.Error, _ = e["stderr"].(string)
			if s, ok := e["stdout"].(string); ok && s != "" {
				r.Return = s
			}
			if r.Error == "" {
				r.Error = kind
			}
			return r
		}
	}
	r.Return = v
	if rows, ok := stateRows(v); ok && len(rows) > 0 {
		// Salt's state return: a state failure is retcode 2
		// (EX_STATE_FAILURE).
		r.Fun = "state.apply"
		for _, row := range rows {
			if row.result != nil && !*row.result {
				r.Retcode = 2
			}
		}
	}
	return r
}
