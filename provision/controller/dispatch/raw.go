package dispatch

import (
	"encoding/json"
	"strings"

	"brine/provision/controller/result"
)

// rawReturn is a raw command's (-r) return as salt-ssh 3007.1 gives it
// (salt/client/ssh/wrapper parse_ret, recorded in
// e2e/testdata/oracle/cli): stdout as printed, stderr with its lines
// joined by newlines, the exit code, "parsed" (the JSON found in stdout,
// else None) and, when the command failed, "_error": "The command resulted
// in a non-zero exit code". Stderr that says "Permission denied" is the
// return by itself, as salt-ssh prints it.
func rawReturn(stdout, stderr string, status int) result.HostReturn {
	stderr = strings.Join(splitLines(stderr), "\n")
	if strings.Contains(stderr, "Permission denied") {
		return result.HostReturn{Retcode: max(status, 1), Return: stderr}
	}
	parsed := findJSON(stdout)
	ret := map[string]any{"stdout": stdout, "stderr": stderr, "retcode": status, "parsed": parsed}
	if local, ok := parsed.(map[string]any); ok && len(local) < 2 {
		if v, ok := local["local"]; ok {
			// A command that prints salt-call's {"local": ...} envelope.
			if m, ok := v.(map[string]any); ok {
				if rc, ok := m["retcode"].(json.Number); ok {
					if n, err := rc.Int64(); err == nil && int(n) > status {
						status = int(n)
						ret["retcode"] = status
					}
				}
				if status == 0 {
					return result.HostReturn{Return: m}
				}
				return result.HostReturn{Retcode: status, Return: m}
			}
		}
	}
	if status != 0 {
		ret["_error"] = "The command resulted in a non-zero exit code"
	}
	return result.HostReturn{Retcode: status, Return: ret}
}

// splitLines is Python's str.splitlines for \n, \r\n and \r.
func splitLines(s string) []string {
	s = strings.ReplaceAll(s, "\r\n", "\n")
	s = strings.ReplaceAll(s, "\r", "\n")
	s = strings.TrimSuffix(s, "\n")
	if s == "" {
		return nil
	}
	return strings.Split(s, "\n")
}

// findJSON is Salt's salt.utils.json.find_json: the first line from which
// the rest of the text is JSON, and not an empty (false) value; nil when
// there is none.
func findJSON(s string) any {
	lines := splitLines(s)
	for i := range lines {
		d := json.NewDecoder(strings.NewReader(strings.Join(lines[i:], "\n")))
		d.UseNumber()
		var v any
		if d.Decode(&v) != nil || d.More() {
			continue
		}
		if _, err := d.Token(); err == nil {
			continue // something follows the value
		}
		if truthy(v) {
			return v
		}
	}
	return nil
}

// truthy is Python's truth of a JSON value.
func truthy(v any) bool {
	switch t := v.(type) {
	case nil:
		return false
	case bool:
		return t
	case string:
		return t != ""
	case json.Number:
		f, err := t.Float64()
		return err != nil || f != 0
	case []any:
		return len(t) > 0
	case map[string]any:
		return len(t) > 0
	}
	return true
}
