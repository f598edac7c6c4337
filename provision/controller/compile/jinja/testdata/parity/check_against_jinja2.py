# Development aid (not run by `go test`): cross-checks the Go table tests against CPython's Jinja2
# with Salt's filter definitions emulated below. Usage, from the repo root:
#   JINJA_CASES_DUMP=/tmp/cases.jsonl go test ./provision/controller/compile/jinja
#   python3 provision/controller/compile/jinja/testdata/parity/check_against_jinja2.py /tmp/cases.jsonl
# Needs jinja2 and PyYAML. Cases using Salt-only features (salt object, imports, import_yaml,
# Salt-only filters) are skipped or reported; the known deliberate differences are listed in doc.go.
import json, sys, re, shlex, uuid, hashlib, base64, os.path
import jinja2, yaml
from jinja2 import Environment, DictLoader, Undefined
from markupsafe import Markup

def salt_yaml(value, flow_style=True):
    t = yaml.safe_dump(value, default_flow_style=flow_style, allow_unicode=True).strip()
    if t.endswith("\n..."):
        t = t[:-4]
    return Markup(t)
def salt_json(value, sort_keys=True, indent=None):
    return Markup(json.dumps(value, sort_keys=sort_keys, indent=indent).strip())
def to_bool(val):
    if val is None: return False
    if isinstance(val, bool): return val
    if isinstance(val, str): return val.lower() in ("yes","1","true")
    if isinstance(val, int): return val > 0
    if isinstance(val, (list, dict)): return len(val) > 0
    return False
def unique(values):
    ret=[]
    for v in values:
        if v not in ret: ret.append(v)
    return ret
def regex_search(txt, rgx, ignorecase=False, multiline=False):
    f=(re.I if ignorecase else 0)|(re.M if multiline else 0)
    o=re.search(rgx,txt,f)
    return o.groups() if o else None
def regex_match(txt, rgx, ignorecase=False, multiline=False):
    f=(re.I if ignorecase else 0)|(re.M if multiline else 0)
    o=re.match(rgx,txt,f)
    return o.groups() if o else None
def regex_replace(txt, rgx, val, ignorecase=False, multiline=False):
    f=(re.I if ignorecase else 0)|(re.M if multiline else 0)
    return re.compile(rgx,f).sub(val,txt)
def traverse(data, key, default=None, delimiter=':'):
    ptr=data
    for each in key.split(delimiter):
        if isinstance(ptr, list):
            try: ptr=ptr[int(each)]
            except Exception: return default
        else:
            try: ptr=ptr[each]
            except Exception: return default
    return ptr
def flatten(lst, levels=None, preserve_nulls=False):
    out=[]
    for el in lst:
        if el is None and not preserve_nulls: continue
        if isinstance(el, list) and (levels is None or levels > 0):
            out.extend(flatten(el, None if levels is None else levels-1, preserve_nulls))
        else: out.append(el)
    return out
G=uuid.UUID("91633EBF-1C86-5E33-935A-28061F4B480E")
filters = {
 "yaml": salt_yaml, "json": salt_json, "to_bool": to_bool, "unique": unique, "regex_search": regex_search,
 "regex_match": regex_match, "regex_replace": regex_replace, "traverse": traverse, "flatten": flatten,
 "quote": shlex.quote, "uuid": lambda v: str(uuid.uuid5(G, str(v))), "skip": lambda d: "",
 "sequence": lambda d: d if isinstance(d,(list,tuple,set,dict)) else [d],
 "min": lambda o: min(o), "max": lambda o: max(o), "avg": lambda l: float(sum(l)/len(l)),
 "union": lambda a,b: unique(a+b), "intersect": lambda a,b: unique([e for e in a if e in b]),
 "difference": lambda a,b: unique([e for e in a if e not in b]),
 "is_list": lambda v: isinstance(v, list), "path_join": lambda *p: os.path.join(*p),
 "yaml_dquote": lambda t: json.dumps(str(t)), "yaml_squote": lambda t: "'" + str(t).replace("'", "''") + "'",
 "load_yaml": lambda v: yaml.safe_load(v), "load_json": lambda v: json.loads(v),
 "md5": lambda v: hashlib.md5(v.encode()).hexdigest(), "sha256": lambda v: hashlib.sha256(v.encode()).hexdigest(),
 "base64_encode": lambda v: base64.b64encode(v.encode()).decode(), "base64_decode": lambda v: base64.b64decode(v).decode(),
 "exactly_one_true": lambda l: sum(1 for x in l if x) == 1,
 "method_call": lambda obj, f, *a, **k: getattr(obj, f)(*a, **k),
}
def jraise(msg): raise Exception(msg)
grains = {"os": "Debian", "os_family": "Debian", "osmajorrelease": 12, "id": "web1", "ipv4": ["127.0.0.1", "10.0.0.5"], "mem_total": 2048}
pillar = {"ntp": {"servers": ["a.pool", "b.pool"]}, "users": {"bob": {"uid": 1001}}}
def sortd(d):
    if isinstance(d, dict): return {k: sortd(d[k]) for k in sorted(d)}
    if isinstance(d, list): return [sortd(x) for x in d]
    return d
base_vars = sortd({"grains": grains, "pillar": pillar, "n": 3, "f": 2.5, "s": "Hello World", "l": [3, 1, 2], "d": {"b": 2, "a": 1},
    "strs": ["x", "y"], "users": [{"name": "bob", "uid": 1001, "admin": True}, {"name": "al", "uid": 1000, "admin": False}]})
ok = bad = skipped = 0
for line in open(sys.argv[1]):
    c = json.loads(line)
    src = c["src"]
    if any(x in src for x in ("import_yaml", "import_json", "import_text", "load_yaml as", "load_json as", "salt", "{% import", "{% from", "{% include", "extends", "is_ip", "groupby")) or "Import" in c["test"] or "Limits" in c["test"] or "SaltObject" in c["test"]:
        skipped += 1; continue
    env = Environment(extensions=["jinja2.ext.do", "jinja2.ext.loopcontrols"], undefined=Undefined)
    env.filters.update(filters)
    env.globals["raise"] = jraise
    import copy
    vars_ = copy.deepcopy(base_vars)
    try:
        out = env.from_string(src).render(**vars_)
        if src.endswith("\n") or src.endswith("\r\n"):
            out += "\n"
        err = None
    except Exception as e:
        out, err = None, "%s: %s" % (type(e).__name__, e)
    if c["err"]:
        if err is None:
            bad += 1; print("MISMATCH(expected error) %s/%s\n  src=%r\n  jinja=%r  want err %r" % (c["test"], c["name"], src, out, c["err"]))
        else: ok += 1
    else:
        if err is not None or out != c["want"]:
            bad += 1; print("MISMATCH %s/%s\n  src=%r\n  jinja=%r err=%s\n  want =%r" % (c["test"], c["name"], src, out, err, c["want"]))
        else: ok += 1
print("ok", ok, "bad", bad, "skipped", skipped)
