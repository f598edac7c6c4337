#!/usr/bin/python3
# Records what Salt 3007.1's yaml outputter (salt/output/yaml_out.py:
# salt.utils.yaml.safe_dump(data, default_flow_style=False), PyYAML) prints
# for each document below, into yaml.json for TestYAMLRecorded. Run with
# Salt's source on PYTHONPATH:
#   PYTHONPATH=/work/oracle/salt/src:/work/oracle/salt/pypath /usr/bin/python3 record-yaml.py > yaml.json
import json
import salt.output.yaml_out as yaml_out

yaml_out.__opts__ = {}
long = "word " * 30
DOCS = [
    {"twin": True},
    {"twin": {"os": "Debian", "osrelease": "12", "id": "twin"}},
    {"twin": {"users": ["alice", "bob"], "nested": {"a": {"b": 1}}, "role": "oracle"}},
    {"twin": {"args": [1, "two"], "kwargs": {"x": [1, 2], "y": {"a": "b"}, "__pub_jid": "20261206185931340045"}}},
    {"twin": {"stdout": "", "stderr": "'test.not_there' is not available.", "retcode": 255, "parsed": None}},
    {"twin": ["yes", "no", "on", "off", "y", "n", "true", "null", "~", "", " lead", "trail ", "a: b", "a #b", "#x", "- x", "-x",
              "? x", "?x", ":x", "x:", "1.5", "1e3", "0755", "0x1F", "1_000", "12:30", "2024-01-01", "<<", "=", "---", "...x",
              "[a]", "{a}", "a,b", "*x", "&x", "!x", "|x", ">x", "%x", "@x", "`x", "'q'", "\"dq\"", "tab\there", "é ü", "x\u2028y",
              "bell\x07", "nul\x00", "line\nbreak", "two\n\nbreaks", "trailing\n", "\nleading", "sp \nbr", "br\n sp"]},
    {"twin": {"long": long, "longquoted": "'" + long, "longdq": "x\x07 " + long, "path": "/" + "a" * 100,
              "multi": "first line\nsecond line " + long + "\nthird"}},
    {"twin": {"empty_list": [], "empty_dict": {}, "list_of_dicts": [{"a": 1, "b": [1, 2]}, {"c": {}}], "list_of_lists": [[1, 2], [], ["x"]]}},
    {"twin": {"floats": [1.5, 0.1, 1e20, 1e-7, -2.25, 3.0], "ints": [0, -1, 12345678901234], "key with space": 1, "123": "num key", "true": "bool key"}},
    {"twin": "a plain string"},
    {"twin": "multi\nline\nstring"},
    {"h1": 1, "h2": [1], "h3": {"k": "v"}},
]
out = []
for d in DOCS:
    out.append({"doc": d, "yaml": yaml_out.output(d)})
print(json.dumps(out, indent=1, ensure_ascii=False))
