package deploy

import (
	"bytes"
	"errors"
	"fmt"
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
	more, _ := filepath.Glob("kubernetes/run/*.yaml")
	files = append(files, more...)
	if len(files) < 8 {
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
					if _, err := os.Stat(filepath.Join(filepath.Dir(f), str(r))); err != nil {
						t.Errorf("%s: resource %v: %v", f, r, err)
					}
				}
				continue
			}
			if name == "" && str(get(d, "metadata", "generateName")) == "" {
				t.Errorf("%s: %s without a name", f, kind)
			}
			objects[kind+"/"+name] = d
			if kind == "Job" {
				d["__file"] = f
				jobs = append(jobs, d)
			}
		}
	}
	shardJobs := 0
	for _, j := range jobs {
		f := str(j["__file"])
		if str(j["apiVersion"]) != "batch/v1" {
			t.Errorf("%s: Job apiVersion %v", f, j["apiVersion"])
		}
		spec := get(j, "spec", "template", "spec")
		if str(get(spec, "restartPolicy")) != "Never" || str(get(j, "spec", "backoffLimit")) != "0" {
			t.Errorf("%s: a Job that applies states must never be retried (restartPolicy Never, backoffLimit 0)", f)
		}
		// Reruns need no delete: the Job goes away once finished, or each
		// run is a new one.
		if str(get(j, "spec", "ttlSecondsAfterFinished")) == "" && str(get(j, "metadata", "generateName")) == "" {
			t.Errorf("%s: neither ttlSecondsAfterFinished nor generateName: a rerun would need a delete", f)
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
				v := volumes[str(get(m, "name"))]
				if v == nil {
					t.Errorf("%s: mount of undeclared volume %v", f, get(m, "name"))
				}
				// The cache, job history and results outlive a run.
				if str(get(m, "mountPath")) == "/var/lib/brine" && get(v, "persistentVolumeClaim") == nil {
					t.Errorf("%s: /var/lib/brine is not on a claim: the history would die with the pod", f)
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
		if str(get(j, "metadata", "labels", "app.kubernetes.io/component")) != "shard" {
			if envOf(get(spec, "containers", 0))["SHARDS"] != "" {
				t.Errorf("%s: a shard count outside settings.yaml", f)
			}
			continue
		}
		shardJobs++
		if filepath.Dir(f) != filepath.Join("kubernetes", "run") {
			t.Errorf("%s: a shard Job outside kubernetes/run: the replacements would not reach it", f)
		}
	}
	if shardJobs != 2 {
		t.Errorf("%d shard Jobs, want 2 (job.yaml, job-git.yaml)", shardJobs)
	}
}

// TestKubernetesShardCount renders kubernetes/run as kustomize 5.4+ does
// (the replacements of run/kustomization.yaml, which keep each target
// field's type; its images; local-config objects dropped) with the shard
// count set in settings.yaml alone, for 1 and 7 shards, and checks that
// the count reached every place that needs it, with the right type.
// Checked once against kustomize itself (sigs.k8s.io/kustomize/api
// v0.20.1, krusty): the same output.
func TestKubernetesShardCount(t *testing.T) {
	for _, jobFile := range []string{"job.yaml", "job-git.yaml"} {
		for _, n := range []int{1, 7} {
			objs := renderRun(t, jobFile, n)
			var job map[string]any
			for _, o := range objs {
				if str(o["kind"]) == "ConfigMap" && str(get(o, "metadata", "name")) == "brine-run-settings" {
					t.Errorf("%s: the local-config settings were not dropped", jobFile)
				}
				if str(o["kind"]) == "Job" {
					job = o
				}
			}
			if job == nil {
				t.Fatalf("%s, %d shards: no Job rendered", jobFile, n)
			}
			what := jobFile + ", " + strconv.Itoa(n) + " shards"
			if c, ok := get(job, "spec", "completions").(int); !ok || c != n {
				t.Errorf("%s: completions %#v, want the number %d", what, get(job, "spec", "completions"), n)
			}
			if p, ok := get(job, "spec", "parallelism").(int); !ok || p != n {
				t.Errorf("%s: parallelism %#v, want the number %d", what, get(job, "spec", "parallelism"), n)
			}
			if str(get(job, "spec", "completionMode")) != "Indexed" {
				t.Errorf("%s: not an Indexed Job", what)
			}
			main := get(job, "spec", "template", "spec", "containers", 0)
			var shards any
			for _, e := range get(main, "env").([]any) {
				if get(e, "name") == "SHARDS" {
					shards = get(e, "value")
				}
			}
			if s, ok := shards.(string); !ok || s != strconv.Itoa(n) {
				t.Errorf("%s: env SHARDS %#v, want the string %q", what, shards, strconv.Itoa(n))
			}
			if img := str(get(main, "image")); img == "brine" || !strings.Contains(img, "/brine:") {
				t.Errorf("%s: image %q: kustomization's images: did not apply", what, img)
			}
			script := str(get(main, "args", 0))
			for _, want := range []string{"JOB_COMPLETION_INDEX + 1", `--shard "$k/$SHARDS"`, "--out json --static --out-meta --out-file",
				"--host-key-policy strict", `cache="/var/lib/brine/cache/shard-$k-of-$SHARDS"`, `--cache-dir "$cache"`,
				"--history-from '/var/lib/brine/cache/shard-*'", `run="/var/lib/brine/runs/$RUN_ID"`} {
				if !strings.Contains(script, want) {
					t.Errorf("%s: the shard command lacks %q", what, want)
				}
			}
			// The script run by sh for shard k of n: shard k, cache per shard.
			if n == 7 {
				env := envOf(main)
				if env["RUN_ID"] != "" || !strings.Contains(fmt.Sprint(get(main, "env")), "batch.kubernetes.io/controller-uid") {
					t.Errorf("%s: RUN_ID does not come from the Job's uid", what)
				}
			}
		}
	}
}

// renderRun renders kubernetes/run with jobFile as its Job and n shards
// set in settings.yaml, as kustomize 5.4+ would (see
// TestKubernetesShardCount).
func renderRun(t *testing.T, jobFile string, n int) []map[string]any {
	t.Helper()
	var k struct {
		Resources []string
		Images    []struct {
			Name    string
			NewName string `yaml:"newName"`
			NewTag  string `yaml:"newTag"`
		}
		Replacements []struct {
			Source struct {
				Kind, Name string
				FieldPath  string `yaml:"fieldPath"`
			}
			Targets []struct {
				Select struct {
					Kind          string
					LabelSelector string `yaml:"labelSelector"`
				}
				FieldPaths []string `yaml:"fieldPaths"`
			}
		}
	}
	b, err := os.ReadFile("kubernetes/run/kustomization.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if err := yaml.Unmarshal(b, &k); err != nil {
		t.Fatal(err)
	}
	var nodes []*yaml.Node
	for _, r := range k.Resources {
		if r == "job.yaml" {
			r = jobFile
		}
		b, err := os.ReadFile(filepath.Join("kubernetes/run", r))
		if err != nil {
			t.Fatal(err)
		}
		dec := yaml.NewDecoder(bytes.NewReader(b))
		for {
			var d yaml.Node
			if err := dec.Decode(&d); errors.Is(err, io.EOF) {
				break
			} else if err != nil {
				t.Fatalf("%s: %v", r, err)
			}
			nodes = append(nodes, d.Content[0])
		}
	}
	// The one edit a user makes: the count in settings.yaml.
	settings := findNode(t, nodes, "ConfigMap", "brine-run-settings", "")
	setScalar(t, walk(t, settings, "data.shards"), strconv.Itoa(n))
	if len(k.Replacements) == 0 {
		t.Fatal("kubernetes/run/kustomization.yaml has no replacements")
	}
	for _, r := range k.Replacements {
		src := walk(t, findNode(t, nodes, r.Source.Kind, r.Source.Name, ""), r.Source.FieldPath)
		for _, tg := range r.Targets {
			for _, nd := range nodes {
				if !matches(nd, tg.Select.Kind, tg.Select.LabelSelector) {
					continue
				}
				for _, fp := range tg.FieldPaths {
					// kustomize 5.4+: a scalar target keeps its type.
					setScalar(t, walk(t, nd, fp), src.Value)
				}
			}
		}
	}
	var out []map[string]any
	for _, nd := range nodes {
		var m map[string]any
		if err := nd.Decode(&m); err != nil {
			t.Fatal(err)
		}
		if get(m, "metadata", "annotations", "config.kubernetes.io/local-config") == "true" {
			continue
		}
		for _, path := range [][]any{{"spec", "template", "spec", "containers"}, {"spec", "template", "spec", "initContainers"}} {
			l, _ := get(m, path...).([]any)
			for _, c := range l {
				for _, im := range k.Images {
					if cm := c.(map[string]any); cm["image"] == im.Name {
						cm["image"] = im.NewName + ":" + im.NewTag
					}
				}
			}
		}
		out = append(out, m)
	}
	return out
}

// findNode is the object of kind and name (or with label selector sel).
func findNode(t *testing.T, nodes []*yaml.Node, kind, name, sel string) *yaml.Node {
	t.Helper()
	for _, nd := range nodes {
		var m map[string]any
		nd.Decode(&m)
		if str(m["kind"]) == kind && str(get(m, "metadata", "name")) == name {
			return nd
		}
	}
	t.Fatalf("no %s %s", kind, name)
	return nil
}

// matches says whether an object is of kind and carries label k=v.
func matches(nd *yaml.Node, kind, sel string) bool {
	var m map[string]any
	nd.Decode(&m)
	if str(m["kind"]) != kind {
		return false
	}
	k, v, _ := strings.Cut(sel, "=")
	return sel == "" || str(get(m, "metadata", "labels", k)) == v
}

// walk follows a kustomize field path (a.b.[name=x].c) to its node.
func walk(t *testing.T, nd *yaml.Node, path string) *yaml.Node {
	t.Helper()
	for _, seg := range strings.Split(path, ".") {
		var next *yaml.Node
		if strings.HasPrefix(seg, "[") {
			k, v, _ := strings.Cut(strings.Trim(seg, "[]"), "=")
			for _, el := range nd.Content {
				for i := 0; i+1 < len(el.Content); i += 2 {
					if el.Content[i].Value == k && el.Content[i+1].Value == v {
						next = el
					}
				}
			}
		} else {
			for i := 0; i+1 < len(nd.Content); i += 2 {
				if nd.Content[i].Value == seg {
					next = nd.Content[i+1]
				}
			}
		}
		if next == nil {
			t.Fatalf("field path %s: no %s", path, seg)
		}
		nd = next
	}
	return nd
}

// setScalar sets a scalar node's value, keeping its tag (kustomize 5.4+).
func setScalar(t *testing.T, nd *yaml.Node, v string) {
	t.Helper()
	if nd.Kind != yaml.ScalarNode {
		t.Fatalf("line %d: not a scalar", nd.Line)
	}
	nd.Value = v
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
