#!/usr/bin/python3
# Records what Salt 3007.1's command-line parser (salt.utils.args.parse_input,
# which salt-call runs on every argument) makes of each word below, into
# parse.json, for TestParseRecorded. Run with Salt's source on PYTHONPATH:
#   PYTHONPATH=/work/oracle/salt/src:/work/oracle/salt/pypath /usr/bin/python3 record-parse.py > parse.json
import json, math
import salt.utils.args
import salt.version

WORDS = [
    "x=1", 'pkgs=["a", "b"]', "pkgs=[a, b]", "refresh=True", "refresh=true", "refresh=yes", "refresh=off",
    "0755", "0", "00", "-010", "+7", "0x1F", "0b101", "1_000", "1_0x", "1:30", "1:30.5", "190:20:30",
    "1e3", "1.5e+3", "1.5", ".5", "-.inf", ".inf", ".NaN", "1.", "3.14_15",
    "yes", "No", "ON", "y", "n", "True", "TRUE", "tRue", "null", "Null", "~", "None", "none", "NULL",
    "a: b", "{a: 1}", "{a: [1, 2], b: {c: yes}}", "[1, two, 3.0, null, on]", "[a, [b, c]]", "{}", "[]",
    "{a: 1, a: 2}", "[1,2", "{a", "2024-01-01", "2001-12-14t21:59:43.10-05:00", "[2024-01-01]",
    "#x", "a #b", "1 #c", "[1] #c", "!", "|", ">", "&a", "*a", "@x", "`x", "%x", "'quoted'", '"dq"', "'1'",
    "!!str 1", "!!int 1", "-", "-1", "--", "---", "...", " ", "", "a b", "a: b: c", "?", "? a",
    "foo=bar=baz", "a.b-c=1", "1a=2", "x==1", "_x=1", "é=2", "x=", "x= 1", "x=a\tb", "-x=1", "x.=1",
    "cmd=ls -la", "env={PATH: /bin}", "env={'A': 'b c'}", "text=hello world", "name=nginx",
    "ls /tmp", "/tmp", "salt://x.sh", "http://h/a?b=c", "a=b=c", "key=val#x", "k='v'",
    "2", "-2", "9999999999999999999999", "1e400", "0o17", "0xFF_FF",
]

def enc(v):
    if isinstance(v, bool) or v is None or isinstance(v, str):
        return v
    if isinstance(v, int):
        return v if abs(v) < 2**53 else {"float": str(float(v))}
    if isinstance(v, float):
        return {"float": repr(v)}
    if isinstance(v, (list, tuple)):
        return [enc(x) for x in v]
    if isinstance(v, dict):
        return {str(k): enc(x) for k, x in v.items()}
    return {"type": type(v).__name__, "repr": repr(v)}

out = {"salt": salt.version.__version__, "cases": []}
for w in WORDS:
    args, kwargs = salt.utils.args.parse_input([w], condition=False)
    out["cases"].append({"word": w, "args": enc(args), "kwargs": enc(kwargs)})
print(json.dumps(out, indent=1, ensure_ascii=False))
