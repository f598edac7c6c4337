#!/usr/bin/python3
# Records what Salt 3007.1's archive module (salt/modules/archive.py, run
# as is: zip_, unzip and list_ use Python's zipfile and tarfile) returns or
# raises for each call below on the files under R, and the tree an unzip
# leaves, into archive.json for TestArchiveRecorded. Run with Salt's
# source on PYTHONPATH:
#   PYTHONPATH=/work/oracle/salt/src:/work/oracle/salt/pypath /usr/bin/python3 record-archive.py > archive.json
import io, json, os, shutil, tarfile
import salt.modules.archive as archive

R = "/tmp/brine-archive-record"
shutil.rmtree(R, ignore_errors=True)
os.makedirs(R + "/src/sub")
os.umask(0o022)
for p, s, mode in [("src/a", "a\n", 0o640), ("src/sub/b", "b\n", 0o755)]:
    with open(R + "/" + p, "w") as f:
        f.write(s)
    os.chmod(R + "/" + p, mode)
with open(R + "/notzip.zip", "w") as f:
    f.write("plain text\n")
with open(R + "/plain.txt", "w") as f:
    f.write("plain text\n")
# a tar.gz with a directory, files, a symlink and a hard link
with tarfile.open(R + "/t.tgz", "w:gz") as t:
    def add(name, typ, data=b"", link=""):
        ti = tarfile.TarInfo(name)
        ti.type, ti.linkname, ti.size, ti.mode = typ, link, len(data), 0o644
        t.addfile(ti, io.BytesIO(data) if data else None)
    add("top", tarfile.DIRTYPE)
    add("top/f", tarfile.REGTYPE, b"x\n")
    add("top/d", tarfile.DIRTYPE)
    add("top/d/g", tarfile.REGTYPE, b"y\n")
    add("top/l", tarfile.SYMTYPE, link="f")
    add("top/h", tarfile.LNKTYPE, link="top/f")
    add("other", tarfile.REGTYPE, b"z\n")

archive.__salt__ = {"cp.cache_file": lambda path, saltenv="base", **kw: path if os.path.exists(path) else ""}
archive.__grains__ = {"kernel": "Linux"}
archive.__opts__ = {}

def tree(d):
    if not os.path.exists(d):
        return None
    out = {}
    for root, dirs, files in os.walk(d):
        for n in dirs + files:
            p = os.path.join(root, n)
            st = os.lstat(p)
            rel = os.path.relpath(p, d)
            if os.path.islink(p):
                out[rel] = "link:" + os.readlink(p)
            elif os.path.isdir(p):
                out[rel] = "dir:%o" % (st.st_mode & 0o7777)
            else:
                out[rel] = "file:%o:%s" % (st.st_mode & 0o7777, open(p).read())
    return out

CALLS = [
    ("zip_", [R + "/z.zip", R + "/src"], {}, None),
    ("zip_", [R + "/z2.zip", "src/a,src/sub"], {"cwd": R}, None),
    ("zip_", [R + "/z3.zip", ["src/*"]], {"cwd": R}, None),
    ("zip_", [R + "/z4.zip", "src/a"], {}, None),
    ("zip_", [R + "/z4.zip", "src/a"], {"cwd": "rel"}, None),
    ("zip_", [R + "/z5.zip", R + "/src/a, " + R + "/missing"], {}, None),
    ("list_", [R + "/z.zip"], {}, None),
    ("list_", [R + "/z2.zip"], {"verbose": True}, None),
    ("list_", [R + "/z.zip"], {"strip_components": 2}, None),
    ("list_", [R + "/z.zip"], {"strip_components": 0}, None),
    ("list_", [R + "/t.tgz"], {}, None),
    ("list_", [R + "/t.tgz"], {"verbose": True}, None),
    ("list_", [R + "/t.tgz"], {"archive_format": "zip"}, None),
    ("list_", [R + "/plain.txt"], {}, None),
    ("list_", [R + "/plain.txt"], {"archive_format": "7z"}, None),
    ("list_", [R + "/notzip.zip"], {}, None),
    ("list_", [R + "/missing.zip"], {}, None),
    ("unzip", [R + "/z.zip", R + "/unz"], {}, R + "/unz"),
    ("unzip", [R + "/z2.zip", R + "/unz2"], {"excludes": "src/a, x"}, R + "/unz2"),
    ("unzip", [R + "/z.zip", R + "/unz3"], {"trim_output": 2, "extract_perms": False}, R + "/unz3"),
    ("unzip", [R + "/z.zip", R + "/unz4"], {"trim_output": True}, R + "/unz4"),
    ("unzip", [R + "/notzip.zip", R + "/unz5"], {}, R + "/unz5"),
    ("unzip", [R + "/missing.zip", R + "/unz6"], {}, R + "/unz6"),
    ("tar", ["", R + "/x.tar"], {}, None),
]

out = {"root": R, "calls": []}
for fun, args, kwargs, snap in CALLS:
    try:
        ret = {"return": getattr(archive, fun)(*args, **kwargs)}
    except Exception as e:
        ret = {"raised": type(e).__name__, "message": str(e)}
    ret.update({"fun": "archive." + fun.rstrip("_"), "args": args, "kwargs": kwargs, "tree": tree(snap) if snap else None})
    out["calls"].append(ret)
print(json.dumps(out, indent=1))
