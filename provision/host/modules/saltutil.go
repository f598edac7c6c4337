package modules

import "brine/provision/wire/funcs"

// saltutilFuncs answer salt/modules/saltutil.py's sync and refresh
// functions with what brine does instead, doing no pretend work: brine
// ships no custom modules (nothing to sync: Salt's report with every list
// empty), compiles pillar afresh on the controller for every run, loads
// every module on every run, keeps no minion cache on hosts, and collects
// grains on every run (refresh_grains makes this answer carry them, so
// the controller's cache is updated).
func saltutilFuncs() map[string]fn {
	empty := func(*call) (any, error) { return []any{}, nil }
	yes := func(*call) (any, error) { return true, nil }
	no := func(*call) (any, error) { return false, nil }
	return map[string]fn{
		"saltutil.sync_all": {run: func(*call) (any, error) {
			out := map[string]any{}
			for _, k := range []string{"tops", "clouds", "beacons", "modules", "states", "sdb", "grains", "renderers",
				"returners", "output", "utils", "log_handlers", "executors", "proxymodules", "engines", "thorium",
				"serializers", "matchers", "pillar", "wrapper"} {
				out[k] = []any{}
			}
			return out, nil
		}},
		"saltutil.sync_grains":  {run: empty},
		"saltutil.sync_modules": {run: empty},
		"saltutil.sync_states":  {run: empty},
		// Salt fires a refresh event; with no master (salt-ssh) there is
		// none to fire and it answers False, as recorded
		"saltutil.refresh_pillar":  {run: no},
		"saltutil.refresh_modules": {run: no},
		"saltutil.clear_cache":     {run: yes},
		"saltutil.refresh_grains": {run: func(c *call) (any, error) {
			rest := map[string]any{}
			for k, v := range c.kw {
				if k != "refresh_pillar" && k != "clean_pillar_cache" && !isDunder(k) {
					rest[k] = v
				}
			}
			if len(rest) > 0 {
				return nil, funcs.InvalidKwargs(c.fun, rest)
			}
			c.env.GrainsChanged = true
			return true, nil
		}},
	}
}

func isDunder(k string) bool { return len(k) >= 2 && k[:2] == "__" }
