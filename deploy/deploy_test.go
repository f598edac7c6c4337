package deploy

import (
	"bytes"
	"errors"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"
)

// docs reads every YAML document of a file.
func docs(t *testing.T, path string) []map[string]any {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	dec := yaml.NewDecoder(bytes.NewReader(b))
	var out []map[string]any
	for {
		var d map[string]any
		err := dec.Decode(&d)
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		if d != nil {
			out = append(out, d)
		}
	}
	if len(out) == 0 {
		t.Fatalf("%s: no YAML document", path)
	}
	return out
}

// get walks a path of map keys and list indexes.
func get(v any, path ...any) any {
	for _, p := range path {
		switch k := p.(type) {
		case string:
			m, ok := v.(map[string]any)
			if !ok {
				return nil
			}
			v = m[k]
		case int:
			l, ok := v.([]any)
			if !ok || k >= len(l) {
				return nil
			}
			v = l[k]
		}
	}
	return v
}

func str(v any) string {
	switch t := v.(type) {
	case string:
		return t
	case int:
		return strconv.Itoa(t)
	}
	return ""
}

// shellCheck parses a script with sh -n.
func shellCheck(t *testing.T, what, script string) {
	t.Helper()
	sh, err := exec.LookPath("sh")
	if err != nil {
		return
	}
	cmd := exec.Command(sh, "-n")
	cmd.Stdin = strings.NewReader(script)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Errorf("%s: shell syntax: %v\n%s", what, err, out)
	}
}

// brineFlags are the flag names cmd/brine declares (Name: "x" and its
// Aliases), read from its source: the manifests use no flag brine lacks.
func brineFlags(t *testing.T) map[string]bool {
	t.Helper()
	files, _ := filepath.Glob("../cmd/brine/*.go")
	decl := regexp.MustCompile(`&cli\.\w+Flag\{(?:\w+: [^,]+, )*Name: "([a-z0-9-]+)"(?:, Aliases: \[\]string\{([^}]*)\})?`)
	out := map[string]bool{}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range decl.FindAllStringSubmatch(string(b), -1) {
			out[m[1]] = true
			for _, a := range strings.Split(m[2], ",") {
				out[strings.Trim(strings.TrimSpace(a), `"`)] = true
			}
		}
	}
	if !out["max-procs"] || !out["shard"] {
		t.Fatalf("could not read brine's flags from ../cmd/brine (found %d)", len(out))
	}
	return out
}

// checkFlags reports the --flags of brine command lines in script that
// brine does not declare.
func checkFlags(t *testing.T, what, script string, known map[string]bool) {
	t.Helper()
	if !strings.Contains(script, "brine") {
		return
	}
	for _, m := range regexp.MustCompile(`(?:^|\s)--([a-z][a-z0-9-]*)`).FindAllStringSubmatch(script, -1) {
		if !known[m[1]] {
			t.Errorf("%s: brine has no flag --%s", what, m[1])
		}
	}
}

// envOf returns a container's env as a map.
func envOf(c any) map[string]string {
	out := map[string]string{}
	l, _ := get(c, "env").([]any)
	for _, e := range l {
		out[str(get(e, "name"))] = str(get(e, "value"))
	}
	return out
}

func TestKubernetesManifests(t *testing.T) {
	files, _ := filepath.Glob("kubernetes/*.yaml")
	if len(files) < 5 {
		t.Fatalf("manifests missing: %v", files)
	}
	known := brineFlags(t)
	objects := map[string]map[string]any{} // kind/name -> object
	var jobs []map[string]any
	for _, f := range files {
		for _, d := range docs(t, f) {
			kind, name := str(d["kind"]), str(get(d, "metadata", "name"))
			if str(d["apiVersion"]) == "" || kind == "" {
				t.Errorf("%s: a document without apiVersion or kind", f)
				continue
			}
			if kind == "Kustomization" {
				for _, r := range get(d, "resources").([]any) {
					if _, err := os.Stat(filepath.Join("kubernetes", str(r))); err != nil {
						t.Errorf("%s: resource %v: %v", f, r, err)
					}
				}
				continue
			}
			if name == "" {
				t.Errorf("%s: %s without a name", f, kind)
			}
			objects[kind+"/"+name] = d
			if kind == "Job" {
				d["__file"] = f
				jobs = append(jobs, d)
			}
		}
	}
	shards := ""
	for _, j := range jobs {
		f := str(j["__file"])
		if str(j["apiVersion"]) != "batch/v1" {
			t.Errorf("%s: Job apiVersion %v", f, j["apiVersion"])
		}
		spec := get(j, "spec", "template", "spec")
		if str(get(spec, "restartPolicy")) != "Never" || str(get(j, "spec", "backoffLimit")) != "0" {
			t.Errorf("%s: a Job that applies states must never be retried (restartPolicy Never, backoffLimit 0)", f)
		}
		volumes := map[string]any{}
		for _, v := range get(spec, "volumes").([]any) {
			volumes[str(get(v, "name"))] = v
		}
		var containers []any
		for _, k := range []string{"initContainers", "containers"} {
			l, _ := get(spec, k).([]any)
			containers = append(containers, l...)
		}
		for _, c := range containers {
			for _, m := range get(c, "volumeMounts").([]any) {
				if volumes[str(get(m, "name"))] == nil {
					t.Errorf("%s: mount of undeclared volume %v", f, get(m, "name"))
				}
			}
			if get(c, "command", 0) == "/bin/sh" {
				shellCheck(t, f, str(get(c, "args", 0)))
				if str(get(c, "name")) != "checkout" {
					checkFlags(t, f, str(get(c, "args", 0)), known)
				}
			}
		}
		// Every ConfigMap, Secret and claim used is defined here (or optional).
		for name, v := range volumes {
			if cm := get(v, "configMap"); cm != nil {
				obj := objects["ConfigMap/"+str(get(cm, "name"))]
				if obj == nil {
					t.Errorf("%s: volume %s: no ConfigMap %v", f, name, get(cm, "name"))
					continue
				}
				items, _ := get(cm, "items").([]any)
				for _, it := range items {
					if get(obj, "data", str(get(it, "key"))) == nil {
						t.Errorf("%s: volume %s: ConfigMap has no key %v", f, name, get(it, "key"))
					}
				}
			}
			if s := get(v, "secret"); s != nil && objects["Secret/"+str(get(s, "secretName"))] == nil && get(s, "optional") != true {
				t.Errorf("%s: volume %s: no Secret %v", f, name, get(s, "secretName"))
			}
			if p := get(v, "persistentVolumeClaim"); p != nil && objects["PersistentVolumeClaim/"+str(get(p, "claimName"))] == nil {
				t.Errorf("%s: volume %s: no claim %v", f, name, get(p, "claimName"))
			}
		}
		main := get(spec, "containers", 0)
		n := envOf(main)["SHARDS"]
		if n == "" {
			t.Errorf("%s: no SHARDS", f)
			continue
		}
		if shards == "" {
			shards = n
		} else if n != shards {
			t.Errorf("%s: SHARDS=%s, other Jobs say %s", f, n, shards)
		}
		if str(get(j, "metadata", "name")) != "brine-apply" {
			continue
		}
		// The shards: an Indexed Job, one pod per shard, all at once.
		if str(get(j, "spec", "completionMode")) != "Indexed" || str(get(j, "spec", "completions")) != n || str(get(j, "spec", "parallelism")) != n {
			t.Errorf("%s: want an Indexed Job with completions = parallelism = SHARDS (%s)", f, n)
		}
		script := str(get(main, "args", 0))
		for _, want := range []string{"JOB_COMPLETION_INDEX + 1", `--shard "$k/$SHARDS"`, "--out json --static --out-meta --out-file", "--host-key-policy strict"} {
			if !strings.Contains(script, want) {
				t.Errorf("%s: the shard command lacks %q", f, want)
			}
		}
	}
	if shards == "" {
		t.Error("no shard Job found")
	}
}

func TestGitHubActionsWorkflow(t *testing.T) {
	known := brineFlags(t)
	err := filepath.WalkDir("github-actions", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		w := docs(t, p)[0]
		if get(w, "on") == nil || get(w, "jobs") == nil {
			t.Errorf("%s: not a workflow (no on/jobs)", p)
		}
		n, _ := strconv.Atoi(str(get(w, "env", "SHARDS")))
		matrix, _ := get(w, "jobs", "apply", "strategy", "matrix", "shard").([]any)
		if n == 0 || len(matrix) != n {
			t.Errorf("%s: SHARDS=%d but the matrix has %d shards", p, n, len(matrix))
		}
		for i, s := range matrix {
			if str(s) != strconv.Itoa(i+1) {
				t.Errorf("%s: shard %d is %v: shards are 1..N", p, i+1, s)
			}
		}
		if get(w, "jobs", "apply", "strategy", "fail-fast") != false {
			t.Errorf("%s: one shard's failure must not cancel the others (fail-fast: false)", p)
		}
		if str(get(w, "jobs", "merge", "needs")) != "apply" {
			t.Errorf("%s: merge must need apply", p)
		}
		for _, job := range []string{"apply", "merge"} {
			steps, _ := get(w, "jobs", job, "steps").([]any)
			for _, s := range steps {
				if run := str(get(s, "run")); run != "" {
					shellCheck(t, p+": "+job, run)
					if strings.Contains(run, "$RUNNER_TEMP/brine\"") {
						checkFlags(t, p+": "+job, run, known)
					}
				}
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}
