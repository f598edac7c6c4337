package dispatch

import (
	"encoding/json"
	"os"
	"path/filepath"
	"time"

	"brine/provision/lib/atomicfile"
	"brine/provision/wire"
)

// HostCache is what the controller remembers about a host between runs:
// its grains (so a state run compiles without a round trip) and which
// executor it last saw there (so the request can be sent with the exec).
type HostCache struct {
	// Addr is host:port the entry belongs to; a changed address invalidates it.
	Addr   string      `json:"addr"`
	Grains wire.Grains `json:"grains"`
	// GrainsSHA is the executor's hash of Grains: it sends them again only
	// when they change.
	GrainsSHA string    `json:"grains_sha256,omitempty"`
	ExecSHA   string    `json:"exec_sha256"`
	Updated   time.Time `json:"updated"`
}

// Cache stores HostCache entries as one JSON file per host id under Dir.
type Cache struct {
	Dir string
}

// DefaultCacheDir is $XDG_CACHE_HOME/brine (or ~/.cache/brine).
func DefaultCacheDir() string {
	d, err := os.UserCacheDir()
	if err != nil {
		d = os.TempDir()
	}
	return filepath.Join(d, "brine")
}

func (c Cache) path(id string) string {
	return filepath.Join(c.Dir, "hosts", filepath.Base(id)+".json")
}

// Load returns the entry for id when it exists and belongs to addr.
func (c Cache) Load(id, addr string) (*HostCache, bool) {
	if c.Dir == "" {
		return nil, false
	}
	b, err := atomicfile.Read(c.path(id))
	if err != nil {
		return nil, false
	}
	var h HostCache
	if json.Unmarshal(b, &h) != nil || h.Addr != addr {
		return nil, false
	}
	return &h, true
}

// Save writes the entry atomically (temp file and rename) in the private
// cache directory (made 0700, or refused when it is another user's).
func (c Cache) Save(id string, h *HostCache) error {
	if c.Dir == "" {
		return nil
	}
	h.Updated = time.Now().UTC()
	b, err := json.Marshal(h)
	if err != nil {
		return err
	}
	p := c.path(id)
	if err := atomicfile.PrivateDir(c.Dir); err != nil {
		return err
	}
	if err := atomicfile.PrivateDir(filepath.Dir(p)); err != nil {
		return err
	}
	return atomicfile.Write(p, b, 0o600)
}
