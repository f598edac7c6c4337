package main

import (
	"path/filepath"

	"github.com/urfave/cli/v2"

	"brine/provision/controller/compile"
	"brine/provision/controller/dispatch"
	"brine/provision/controller/download"
)

// remoteOption lets the compile of a state run download http(s) sources on
// the controller (cached under --cache-dir/sources); the show functions get
// none and download nothing.
func remoteOption(c *cli.Context, fun string) []compile.Option {
	switch fun {
	case "state.apply", "state.highstate", "state.sls", "state.test":
	default:
		return nil
	}
	dir := c.String("cache-dir")
	if dir == "" {
		dir = dispatch.DefaultCacheDir()
	}
	return []compile.Option{compile.WithRemote(download.New(filepath.Join(dir, "sources")))}
}
