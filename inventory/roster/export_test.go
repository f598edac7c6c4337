package roster

import (
	"fmt"
	"os"
)

// Load reads a flat roster file (never running it). defaults (may be nil)
// is the roster_defaults map from the configuration file, applied beneath
// every host.
func Load(path string, defaults map[string]any) (*Roster, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("roster %s: %w (pass --roster-file or create ./roster.yaml)", path, err)
	}
	return Parse(path, data, defaults)
}
