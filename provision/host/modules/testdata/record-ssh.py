#!/usr/bin/python3
# Records what Salt 3007.1's ssh module (salt/modules/ssh.py, run as is;
# user.info answers for carol, whose home is HOME below, and nobody else)
# returns for each call below, and carol's authorized_keys after it, into
# ssh.json for TestSSHRecorded. Run with Salt's source on PYTHONPATH:
#   PYTHONPATH=/work/oracle/salt/src:/work/oracle/salt/pypath /usr/bin/python3 record-ssh.py > ssh.json
import json, os, shutil
import salt.modules.ssh as ssh

HOME = "/tmp/brine-ssh-record/home/carol"
shutil.rmtree("/tmp/brine-ssh-record", ignore_errors=True)
os.makedirs(HOME)

def info(user):
    if user == "carol":
        return {"name": "carol", "home": HOME, "uid": os.getuid(), "gid": os.getgid()}
    return {}

KH = "/tmp/brine-ssh-record/known_hosts"
RAN = []

def cmd_run(cmd, **kw):
    # ssh-keygen -F and ssh-keyscan as OpenSSH answers for example.org
    RAN.append(" ".join(str(x) for x in cmd))
    if cmd[:2] == ["ssh-keygen", "-F"] and cmd[2] in ("example.org", "[example.org]:2222"):
        return "# Host example.org found: line 1 \nexample.org ssh-ed25519 " + K1
    if cmd[0] == "ssh-keyscan" and cmd[-1] == "example.org":
        return "# example.org:22 SSH-2.0-OpenSSH_9.2p1\n|1|abc=|def= ssh-ed25519 " + K2 + "\n|1|x|y ssh-rsa not-base64!\n"
    return ""

ssh.__salt__ = {"user.info": info, "user.list_users": lambda: ["carol", "root"], "cmd.run": cmd_run}
ssh.__salt__["ssh.hash_known_hosts"] = ssh.hash_known_hosts
ssh.__grains__ = {"kernel": "Linux"}
ssh.__context__ = {}

K1 = "AAAAC3NzaC1lZDI1NTE5AAAAIBUyMjJ7yunqdP1vCI/EDAl76oaija2wSAacq6U2yNnA"
K2 = "AAAAC3NzaC1lZDI1NTE5AAAAILCvfoQQTe4iaOl509yqcVITbWtD68hrCi6pJhVC2rjE"
K3 = "AAAAB3NzaC1yc2EAAAADAQABAAAAgQC7"
AK = HOME + "/.ssh/authorized_keys"

def known_hosts():
    try:
        with open(HOME + "/.ssh/known_hosts") as f:
            return f.read()
    except OSError:
        return None

def content():
    try:
        with open(AK) as f:
            return f.read()
    except OSError:
        return None

CALLS = [
    ("auth_keys", ["carol"], {}),
    ("auth_keys", ["nobody"], {}),
    ("set_auth_key", ["carol", K1], {"enc": "ssh-ed25519", "comment": "carol@example"}),
    ("set_auth_key", ["carol", K1], {"enc": "ed25519", "comment": "carol@example"}),
    ("set_auth_key", ["carol", K1], {"enc": "ed25519", "comment": "carol@laptop", "options": ["no-pty", 'command="/bin/true"']}),
    ("set_auth_key", ["carol", K2], {"enc": "ssh-ed25519"}),
    ("set_auth_key", ["carol", K3], {}),
    ("set_auth_key", ["carol", "not-a-key"], {}),
    ("set_auth_key", ["carol", "ssh-rsa " + K3], {}),
    ("set_auth_key", ["nobody", K3], {}),
    ("set_auth_key", ["carol", K2 + "="], {"enc": "ed25519"}),
    ("set_auth_key", ["carol", "AAAA"], {"enc": "ecdsa"}),
    ("set_auth_key", ["carol", "AAAAB"], {"enc": "dsa"}),
    ("auth_keys", ["carol"], {}),
    ("auth_keys", ["carol"], {"fingerprint_hash_type": "md5"}),
    ("auth_keys", [["carol", "nobody"]], {}),
    ("auth_keys", [], {}),
    ("check_key", ["carol", K1, "ed25519", "carol@laptop", ["no-pty", 'command="/bin/true"']], {}),
    ("check_key", ["carol", K1, "ed25519", "x", []], {}),
    ("check_key", ["carol", "AAAAzz", "rsa", "", None], {}),
    ("rm_auth_key", ["carol", K2], {}),
    ("rm_auth_key", ["carol", K2], {}),
    ("rm_auth_key", ["nobody", K2], {}),
    ("auth_keys", ["carol"], {"config": "%h/.ssh/authorized_keys"}),
    ("auth_keys", ["carol"], {"config": "/tmp/brine-ssh-record/none"}),
]

out = []
for fun, args, kwargs in CALLS:
    try:
        ret = {"return": getattr(ssh, fun)(*args, **kwargs)}
    except Exception as e:
        ret = {"raised": type(e).__name__, "message": str(e)}
    ret.update({"fun": "ssh." + fun, "args": args, "kwargs": kwargs, "file": content()})
    out.append(ret)

for fun, args, kwargs in [
    ("set_auth_key", ["carol", K1], {"enc": "nope"}),
    ("auth_keys", ["carol"], {"config": "%x"}),
    ("auth_keys", ["carol"], {"fingerprint_hash_type": "whirl"}),
    ("set_auth_key", ["carol", K1], {"config": "%"}),
]:
    try:
        ret = {"return": getattr(ssh, fun)(*args, **kwargs)}
    except Exception as e:
        ret = {"raised": type(e).__name__, "message": str(e)}
    ret.update({"fun": "ssh." + fun, "args": args, "kwargs": kwargs, "file": content()})
    out.append(ret)
for fun, args, kwargs in [
    ("get_known_host_entries", ["carol", "example.org"], {}),
    ("get_known_host_entries", ["carol", "example.org"], {"port": 2222}),
    ("get_known_host_entries", [None, "other.org"], {}),
    ("get_known_host_entries", [None, "other.org"], {"config": "rel"}),
    ("get_known_host_entries", ["nobody", "other.org"], {}),
    ("check_known_host", ["carol", "example.org"], {}),
    ("check_known_host", ["carol", "example.org"], {"key": K1}),
    ("check_known_host", ["carol", "example.org"], {"key": K2}),
    ("check_known_host", ["carol", "example.org"], {"fingerprint": "aa:bb"}),
    ("check_known_host", ["carol", "other.org"], {}),
    ("check_known_host", [], {"hostname": "other.org"}),
    ("check_known_host", ["carol"], {}),
    ("check_known_host", ["nobody", "example.org"], {}),
    ("recv_known_host_entries", ["example.org"], {}),
    ("recv_known_host_entries", ["example.org"], {"enc": "ed25519", "port": 22, "hash_known_hosts": False, "timeout": 3}),
    ("recv_known_host_entries", ["other.org"], {}),
    ("rm_known_host", [], {}),
    ("rm_known_host", ["carol", "example.org"], {}),
    ("rm_known_host", [None, "example.org"], {"config": "rel"}),
    ("hash_known_hosts", [], {"config": KH + ".none"}),
    ("set_known_host", ["carol", "other.org"], {"key": K2, "enc": "ssh-ed25519", "hash_known_hosts": False}),
    ("set_known_host", ["carol", "example.org"], {}),
    ("set_known_host", ["carol", "example.org"], {"key": K1}),
    ("set_known_host", ["carol", "example.org"], {"port": 2222}),
    ("set_known_host", ["carol", "example.org"], {"fingerprint": "aa:bb"}),
    ("set_known_host", ["carol", "example.org"], {"key": K2, "enc": "ssh-ed25519"}),
    ("set_known_host", ["carol"], {}),
    ("set_known_host", ["nobody", "example.org"], {}),
]:
    RAN.clear()
    try:
        ret = {"return": getattr(ssh, fun)(*args, **kwargs)}
    except Exception as e:
        ret = {"raised": type(e).__name__, "message": str(e)}
    ret.update({"fun": "ssh." + fun, "args": args, "kwargs": kwargs, "file": content(), "ran": list(RAN), "known_hosts": known_hosts()})
    out.append(ret)
print(json.dumps({"home": HOME, "calls": out}, indent=1))
