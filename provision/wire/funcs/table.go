package funcs

// entry is one row of the signature table: "mod.fun", the signature as
// Salt 3007.1 declares it (parameters as in Python; "py:NAME" first when
// the Python function's name differs from fun, as test.true's true_), and
// flags.
type entry struct {
	name, sig string
	flags     uint8
}

// Flags of an entry.
const (
	// pure: the function only reads (its answer may be remembered within
	// one compile).
	pure uint8 = 1 << iota
	// ctl: answered on the controller (see Controller).
	ctl
	// local: a host function that computes from its arguments alone, so
	// the controller can answer it in templates without asking the host.
	local
	// guarded: the command line runs it only with --yes (see Func.Guarded).
	guarded
)

// Abbreviations for the table.
const (
	hp = pure
	h  = 0
	c  = ctl
	cp = ctl | pure
	hl = pure | local
	hg = guarded
)

// cmdRunSig is cmd.run's signature; run_stdout, run_stderr, run_all,
// retcode and shell differ from it as Salt's do (see table).
const cmdHead = "cmd, cwd=None, stdin=None, runas=None, group=None, shell=DEFAULT_SHELL, "

// table lists every function brine implements, with Salt 3007.1's
// signature: salt/modules/<module>.py, or the salt-ssh wrapper
// (salt/client/ssh/wrapper/<module>.py) for the functions salt-ssh answers
// on the master (grains readers, pillar.get/item/raw/keys/filter_by,
// config.*, cp.*, cmd.script*, state.*). Services take systemd's
// signatures (salt/modules/systemd_service.py), packages apt's
// (salt/modules/aptpkg.py), users and groups useradd's and groupadd's.
func table() []entry {
	return []entry{
		// salt/modules/test.py
		{"test.ping", "", hl},
		{"test.true", "py:true_", hl},
		{"test.false", "py:false_", hl},
		{"test.version", "", h},
		{"test.versions_report", "", h},
		{"test.versions", "py:versions_report", h},
		{"test.echo", "text", hl},
		{"test.arg", "*args, **kwargs", h},
		{"test.arg_type", "*args, **kwargs", h},
		{"test.arg_repr", "*args, **kwargs", h},
		{"test.kwarg", "**kwargs", h},
		{"test.sleep", "length", h},
		{"test.retcode", "code=42", h},
		{"test.exception", `message="Test Exception"`, h},
		{"test.fib", "num", h},
		{"test.outputter", "data", h},
		{"test.random_hash", "size=9999999999, hash_type=None", h},

		// salt/client/ssh/wrapper/grains.py (readers), salt/modules/grains.py
		{"grains.items", "sanitize=False", hp},
		{"grains.item", "*args, **kwargs", hp},
		{"grains.get", `key, default="", delimiter=DEFAULT_TARGET_DELIM, ordered=True`, hp},
		{"grains.ls", "", hp},
		{"grains.has_value", "key", hp},
		{"grains.filter_by", `lookup_dict, grain="os_family", merge=None, default="default", base=None`, hp},
		{"grains.equals", "key, value", hp},
		{"grains.setval", "key, val, destructive=False, refresh_pillar=True", h},
		{"grains.setvals", "grains, destructive=False, refresh_pillar=True", h},
		{"grains.append", "key, val, convert=False, delimiter=DEFAULT_TARGET_DELIM", h},
		{"grains.remove", "key, val, delimiter=DEFAULT_TARGET_DELIM", h},
		{"grains.delval", "key, destructive=False, force=False", h},
		{"grains.delkey", "key, force=False", h},
		{"grains.set", `key, val="", force=False, destructive=False, delimiter=DEFAULT_TARGET_DELIM`, h},

		// salt/client/ssh/wrapper/pillar.py, salt/modules/pillar.py
		{"pillar.get", `key, default="", merge=False, delimiter=DEFAULT_TARGET_DELIM`, cp},
		{"pillar.item", "*args", cp},
		{"pillar.raw", "key=None", cp},
		{"pillar.keys", "key, delimiter=DEFAULT_TARGET_DELIM", cp},
		{"pillar.filter_by", `lookup_dict, pillar, merge=None, default="default", base=None`, cp},
		{"pillar.items", "*args, pillar=None, pillar_enc=None, pillarenv=None, saltenv=None", cp},
		{"pillar.ls", "*args, pillar=None, pillar_enc=None, pillarenv=None, saltenv=None", cp},

		// salt/client/ssh/wrapper/config.py
		{"config.get", `key, default="", delimiter=":", merge=None, omit_opts=False, omit_pillar=False, omit_master=False, omit_grains=False`, cp},
		{"config.option", "value, default=None, omit_opts=False, omit_grains=False, omit_pillar=False, omit_master=False, omit_all=False, wildcard=False", cp},
		{"config.items", "", cp},
		{"config.valid_fileproto", "uri", cp},
		{"config.backup_mode", `backup=""`, cp},
		{"config.manage_mode", "mode", cp},

		// salt/modules/cmdmod.py; script and script_retcode from the
		// salt-ssh wrapper (salt/client/ssh/wrapper/cmdmod.py)
		{"cmd.run", cmdHead + `python_shell=None, env=None, clean_env=False, template=None, rstrip=True, umask=None, output_encoding=None, output_loglevel="debug", log_callback=None, hide_output=False, timeout=None, reset_system_locale=True, ignore_retcode=False, saltenv=None, use_vt=False, redirect_stderr=True, bg=False, password=None, encoded_cmd=False, raise_err=False, prepend_path=None, success_retcodes=None, success_stdout=None, success_stderr=None, **kwargs`, h},
		{"cmd.run_stdout", cmdHead + `python_shell=None, env=None, clean_env=False, template=None, rstrip=True, umask=None, output_encoding=None, output_loglevel="debug", log_callback=None, hide_output=False, timeout=None, reset_system_locale=True, ignore_retcode=False, saltenv=None, use_vt=False, password=None, prepend_path=None, success_retcodes=None, success_stdout=None, success_stderr=None, **kwargs`, h},
		{"cmd.run_stderr", cmdHead + `python_shell=None, env=None, clean_env=False, template=None, rstrip=True, umask=None, output_encoding=None, output_loglevel="debug", log_callback=None, hide_output=False, timeout=None, reset_system_locale=True, ignore_retcode=False, saltenv=None, use_vt=False, password=None, prepend_path=None, success_retcodes=None, success_stdout=None, success_stderr=None, **kwargs`, h},
		{"cmd.run_all", cmdHead + `python_shell=None, env=None, clean_env=False, template=None, rstrip=True, umask=None, output_encoding=None, output_loglevel="debug", log_callback=None, hide_output=False, timeout=None, reset_system_locale=True, ignore_retcode=False, saltenv=None, use_vt=False, redirect_stderr=False, password=None, encoded_cmd=False, prepend_path=None, success_retcodes=None, success_stdout=None, success_stderr=None, **kwargs`, h},
		{"cmd.retcode", cmdHead + `python_shell=None, env=None, clean_env=False, template=None, umask=None, output_encoding=None, output_loglevel="debug", log_callback=None, timeout=None, reset_system_locale=True, ignore_retcode=False, saltenv=None, use_vt=False, password=None, success_retcodes=None, success_stdout=None, success_stderr=None, **kwargs`, h},
		{"cmd.shell", cmdHead + `env=None, clean_env=False, template=None, rstrip=True, umask=None, output_encoding=None, output_loglevel="debug", log_callback=None, hide_output=False, timeout=None, reset_system_locale=True, ignore_retcode=False, saltenv=None, use_vt=False, bg=False, password=None, prepend_path=None, success_retcodes=None, success_stdout=None, success_stderr=None, **kwargs`, h},
		{"cmd.script", `source, args=None, cwd=None, stdin=None, runas=None, group=None, shell=None, python_shell=None, env=None, template=None, umask=None, output_encoding=None, output_loglevel="debug", log_callback=None, hide_output=False, timeout=None, reset_system_locale=True, saltenv="base", use_vt=False, bg=False, password=None, success_retcodes=None, success_stdout=None, success_stderr=None, **kwargs`, h},
		{"cmd.script_retcode", `source, args=None, cwd=None, stdin=None, runas=None, group=None, shell=None, python_shell=None, env=None, template="jinja", umask=None, timeout=None, reset_system_locale=True, saltenv="base", output_encoding=None, output_loglevel="debug", log_callback=None, use_vt=False, password=None, success_retcodes=None, success_stdout=None, success_stderr=None, **kwargs`, h},
		{"cmd.which", "cmd", hp},
		{"cmd.which_bin", "cmds", hp},
		{"cmd.has_exec", "cmd", hp},
		{"cmd.exec_code", "lang, code, cwd=None, args=None, **kwargs", h},
		{"cmd.exec_code_all", "lang, code, cwd=None, args=None, **kwargs", h},
		{"cmd.shells", "", hp},

		// salt/modules/sysmod.py: answered from this catalog and the
		// state catalog
		{"sys.doc", "*args", cp},
		{"sys.list_functions", "*args, **kwargs", cp},
		{"sys.list_modules", "*args", cp},
		{"sys.argspec", `module=""`, cp},
		{"sys.list_state_functions", "*args, **kwargs", cp},
		{"sys.list_state_modules", "*args", cp},
		{"sys.state_doc", "*args", cp},
		{"sys.state_argspec", `module=""`, cp},

		// salt/client/ssh/wrapper/state.py; template_str and id_exists
		// from salt/modules/state.py
		{"state.apply", "py:apply_, mods=None, **kwargs", c},
		{"state.highstate", "test=None, **kwargs", c},
		{"state.sls", `mods, saltenv="base", test=None, exclude=None, **kwargs`, c},
		{"state.test", "*args, **kwargs", c},
		{"state.single", "fun, name, test=None, **kwargs", c},
		{"state.sls_id", "id_, mods, test=None, queue=False, **kwargs", c},
		{"state.low", "data, **kwargs", c},
		{"state.template_str", "tem, queue=None, **kwargs", c},
		{"state.id_exists", "ids, mods, test=None, queue=None, **kwargs", cp},
		{"state.show_top", "**kwargs", cp},
		{"state.show_sls", `mods, saltenv="base", test=None, **kwargs`, cp},
		{"state.show_low_sls", `mods, saltenv="base", test=None, **kwargs`, cp},
		{"state.show_highstate", "**kwargs", cp},
		{"state.show_lowstate", "**kwargs", cp},
		{"state.show_pillar", "**kwargs", cp},

		// salt/modules/saltutil.py: what brine does instead
		{"saltutil.sync_all", "saltenv=None, refresh=True, extmod_whitelist=None, extmod_blacklist=None, clean_pillar_cache=False", h},
		{"saltutil.sync_grains", "saltenv=None, refresh=True, extmod_whitelist=None, extmod_blacklist=None, clean_pillar_cache=False", h},
		{"saltutil.sync_modules", "saltenv=None, refresh=True, extmod_whitelist=None, extmod_blacklist=None", h},
		{"saltutil.sync_states", "saltenv=None, refresh=True, extmod_whitelist=None, extmod_blacklist=None", h},
		{"saltutil.refresh_pillar", "wait=False, timeout=30, clean_cache=True", h},
		{"saltutil.refresh_grains", "**kwargs", h},
		{"saltutil.refresh_modules", "**kwargs", h},
		{"saltutil.clear_cache", "", h},

		// salt/client/ssh/wrapper/cp.py: files from the controller's file
		// roots (sent with the request), the file server's lists
		{"cp.get_file", `path, dest, saltenv="base", makedirs=False, template=None, **kwargs`, h},
		{"cp.get_template", `path, dest, template="jinja", saltenv="base", makedirs=False, **kwargs`, h},
		{"cp.get_dir", `path, dest, saltenv="base", template=None, **kwargs`, h},
		{"cp.get_file_str", `path, saltenv="base"`, h},
		{"cp.cache_file", `path, saltenv="base", source_hash=None, verify_ssl=True, use_etag=False`, h},
		{"cp.hash_file", `path, saltenv="base"`, h},
		{"cp.list_master", `saltenv="base", prefix=""`, cp},
		{"cp.list_master_dirs", `saltenv="base", prefix=""`, cp},
		{"cp.list_master_symlinks", `saltenv="base", prefix=""`, cp},
		{"cp.list_states", `saltenv="base"`, cp},
		{"cp.envs", "", cp},

		// salt/modules/file.py
		{"file.file_exists", "path", hp},
		{"file.directory_exists", "path", hp},
		{"file.is_link", "path", hp},
		{"file.is_blkdev", "name", hp},
		{"file.is_chrdev", "name", hp},
		{"file.is_fifo", "name", hp},
		{"file.path_exists_glob", "path", hp},
		{"file.readdir", "path", hp},
		{"file.readlink", "path, canonicalize=False", hp},
		{"file.contains", "path, text", hp},
		{"file.contains_regex", `path, regex, lchar=""`, hp},
		{"file.contains_glob", "path, glob_expr", hp},
		{"file.search", "path, pattern, flags=8, bufsize=1, ignore_if_missing=False, multiline=False", hp},
		{"file.stats", "path, hash_type=None, follow_symlinks=True", hp},
		{"file.lstat", "path", hp},
		{"file.get_user", "path, follow_symlinks=True", hp},
		{"file.get_group", "path, follow_symlinks=True", hp},
		{"file.get_uid", "path, follow_symlinks=True", hp},
		{"file.get_gid", "path, follow_symlinks=True", hp},
		{"file.get_mode", "path, follow_symlinks=True", hp},
		{"file.get_hash", `path, form="sha256", chunk_size=65536`, hp},
		{"file.get_sum", `path, form="sha256"`, hp},
		{"file.access", "path, mode", hp},
		{"file.read", "path, binary=False", hp},
		{"file.write", "path, *args, **kwargs", h},
		{"file.append", "path, *args, **kwargs", h},
		{"file.prepend", "path, *args, **kwargs", h},
		{"file.replace", `path, pattern, repl, count=0, flags=8, bufsize=1, append_if_not_found=False, prepend_if_not_found=False, not_found_content=None, backup=".bak", dry_run=False, search_only=False, show_changes=True, ignore_if_missing=False, preserve_inode=True, backslash_literal=False`, h},
		{"file.line", "path, content=None, match=None, mode=None, location=None, before=None, after=None, show_changes=True, backup=False, quiet=False, indent=True", h},
		{"file.blockreplace", `path, marker_start="#-- start managed zone --", marker_end="#-- end managed zone --", content="", append_if_not_found=False, prepend_if_not_found=False, backup=".bak", dry_run=False, show_changes=True, append_newline=False, insert_before_match=None, insert_after_match=None`, h},
		{"file.comment", `path, regex, char="#", backup=".bak"`, h},
		{"file.uncomment", `path, regex, char="#", backup=".bak"`, h},
		{"file.comment_line", `path, regex, char="#", cmnt=True, backup=".bak"`, h},
		{"file.psed", `path, before, after, limit="", backup=".bak", flags="gMS", escape_all=False, multi=False`, h},
		{"file.sed", `path, before, after, limit="", backup=".bak", options="-r -e", flags="g", escape_all=False, negate_match=False`, h},
		{"file.touch", "name, atime=None, mtime=None", h},
		{"file.remove", "path, **kwargs", h},
		{"file.mkdir", "dir_path, user=None, group=None, mode=None", h},
		{"file.makedirs", "py:makedirs_, path, user=None, group=None, mode=None", h},
		{"file.makedirs_perms", `name, user=None, group=None, mode="0755"`, h},
		{"file.copy", "src, dst, recurse=False, remove_existing=False", h},
		{"file.move", "src, dst, disallow_copy_and_unlink=False", h},
		{"file.rename", "src, dst", h},
		{"file.symlink", "src, path, force=False, atomic=False, follow_symlinks=True", h},
		{"file.chown", "path, user, group", h},
		{"file.chgrp", "path, group", h},
		{"file.set_mode", "path, mode", h},
		{"file.check_hash", "path, file_hash", hp},
		{"file.find", "path, *args, **kwargs", hp},
		{"file.seek_read", "path, size, offset", hp},
		{"file.truncate", "path, length", h},
		{"file.diskusage", "path", hp},
		{"file.join", "*args", hl},
		{"file.dirname", "path", hl},
		{"file.basename", "path", hl},
		{"file.normpath", "path", hl},
		{"file.user_to_uid", "user", hp},
		{"file.group_to_gid", "group", hp},
		{"file.uid_to_user", "uid", hp},
		{"file.gid_to_group", "gid", hp},

		// salt/modules/network.py
		{"network.interfaces", "", hp},
		{"network.ip_addrs", "interface=None, include_loopback=False, cidr=None, type=None", hp},
		{"network.ipaddrs", "py:ip_addrs, interface=None, include_loopback=False, cidr=None, type=None", hp},
		{"network.ip_addrs6", "interface=None, include_loopback=False, cidr=None", hp},
		{"network.ipaddrs6", "py:ip_addrs6, interface=None, include_loopback=False, cidr=None", hp},
		{"network.hw_addr", "iface", hp},
		{"network.hwaddr", "py:hw_addr, iface", hp},
		{"network.interface", "iface", hp},
		{"network.interface_ip", "iface", hp},
		{"network.subnets", "interfaces=None", hp},
		{"network.subnets6", "", hp},
		{"network.in_subnet", "cidr", hp},
		{"network.ip_in_subnet", "ip_addr, cidr", hp},
		{"network.calc_net", "ip_addr, netmask=None", hp},
		{"network.convert_cidr", "cidr", hp},
		{"network.is_private", "ip_addr", hp},
		{"network.is_loopback", "ip_addr", hp},
		{"network.get_hostname", "", hp},
		{"network.get_fqdn", "", hp},
		{"network.ping", "host, timeout=False, return_boolean=False", h},
		{"network.netstat", "", hp},
		{"network.active_tcp", "", hp},
		{"network.connect", "host, port=None, **kwargs", h},
		{"network.dig", "host", h},
		{"network.routes", "family=None", hp},
		{"network.default_route", "family=None", hp},
		{"network.traceroute", "host", h},

		// salt/modules/useradd.py, salt/modules/groupadd.py
		{"user.info", "name, root=None", hp},
		{"user.list_groups", "name", hp},
		{"user.list_users", "root=None", hp},
		{"user.add", `name, uid=None, gid=None, groups=None, home=None, shell=None, unique=True, system=False, fullname="", roomnumber="", workphone="", homephone="", other="", createhome=True, loginclass=None, nologinit=False, root=None, usergroup=None, local=False`, h},
		{"user.delete", "name, remove=False, force=False, root=None, local=False", h},
		{"user.getent", "refresh=False, root=None", hp},
		{"user.chuid", "name, uid, root=None", h},
		{"user.chgid", "name, gid, root=None", h},
		{"user.chshell", "name, shell, root=None", h},
		{"user.chhome", "name, home, persist=False, root=None", h},
		{"user.chgroups", "name, groups, append=False, root=None", h},
		{"user.chfullname", "name, fullname, root=None", h},
		{"user.chroomnumber", "name, roomnumber, root=None", h},
		{"user.chworkphone", "name, workphone, root=None", h},
		{"user.chhomephone", "name, homephone, root=None", h},
		{"user.chother", "name, other, root=None", h},
		{"user.rename", "name, new_name, root=None", h},
		{"user.primary_group", "name", hp},
		{"group.info", "name, root=None", hp},
		{"group.add", "name, gid=None, system=False, root=None, non_unique=False, local=False", h},
		{"group.delete", "name, root=None, local=False", h},
		{"group.getent", "refresh=False, root=None", hp},
		{"group.chgid", "name, gid, root=None, non_unique=False", h},
		{"group.adduser", "name, username, root=None", h},
		{"group.deluser", "name, username, root=None", h},
		{"group.members", "name, members_list, root=None", h},

		// salt/modules/aptpkg.py (with dpkg_lowpkg's info and files)
		{"pkg.install", "name=None, refresh=False, fromrepo=None, skip_verify=False, debconf=None, pkgs=None, sources=None, reinstall=False, downloadonly=False, ignore_epoch=False, **kwargs", h},
		{"pkg.remove", "name=None, pkgs=None, **kwargs", h},
		{"pkg.purge", "name=None, pkgs=None, **kwargs", h},
		{"pkg.upgrade", "refresh=True, dist_upgrade=False, **kwargs", h},
		{"pkg.list_upgrades", "refresh=True, dist_upgrade=True, **kwargs", h},
		{"pkg.upgrade_available", "name, **kwargs", h},
		{"pkg.version", "*names, **kwargs", hp},
		{"pkg.latest_version", "*names, **kwargs", h},
		{"pkg.available_version", "py:latest_version, *names, **kwargs", h},
		{"pkg.list_pkgs", "versions_as_list=False, removed=False, purge_desired=False, **kwargs", hp},
		{"pkg.refresh_db", "cache_valid_time=0, failhard=False, **kwargs", h},
		{"pkg.hold", "name=None, pkgs=None, sources=None, **kwargs", h},
		{"pkg.unhold", "name=None, pkgs=None, sources=None, **kwargs", h},
		{"pkg.info_installed", "*names, **kwargs", hp},
		{"pkg.owner", "*paths, **kwargs", hp},
		{"pkg.file_list", "*packages, **kwargs", hp},
		{"pkg.file_dict", "*packages, **kwargs", hp},
		{"pkg.version_cmp", "pkg1, pkg2, ignore_epoch=False, **kwargs", hl},
		{"pkg.get_selections", "pattern=None, state=None", hp},

		// salt/modules/systemd_service.py (debian_service.py and
		// gentoo_service.py where systemd is not running)
		{"service.start", "name, no_block=False, unmask=False, unmask_runtime=False", h},
		{"service.stop", "name, no_block=False", h},
		{"service.restart", "name, no_block=False, unmask=False, unmask_runtime=False", h},
		{"service.reload", "py:reload_, name, no_block=False, unmask=False, unmask_runtime=False", h},
		{"service.force_reload", "name, no_block=True, unmask=False, unmask_runtime=False", h},
		{"service.status", "name, sig=None", hp},
		{"service.enable", "name, no_block=False, unmask=False, unmask_runtime=False, root=None, **kwargs", h},
		{"service.disable", "name, no_block=False, root=None, **kwargs", h},
		{"service.enabled", "name, root=None, **kwargs", hp},
		{"service.disabled", "name, root=None", hp},
		{"service.available", "name", hp},
		{"service.missing", "name", hp},
		{"service.get_all", "root=None", hp},
		{"service.get_enabled", "root=None", hp},
		{"service.get_disabled", "root=None", hp},
		{"service.get_running", "", hp},
		{"service.show", "name, root=None", hp},
		{"service.systemctl_reload", "", h},
		{"service.masked", "name, runtime=False, root=None", hp},
		{"service.mask", "name, runtime=False, root=None", h},
		{"service.unmask", "py:unmask_, name, runtime=False, root=None", h},

		// salt/modules/hosts.py
		{"hosts.list_hosts", "", hp},
		{"hosts.get_ip", "host", hp},
		{"hosts.get_alias", "ip", hp},
		{"hosts.has_pair", "ip, alias", hp},
		{"hosts.add_host", "ip, alias", h},
		{"hosts.rm_host", "ip, alias", h},
		{"hosts.set_host", "ip, alias, comment=None", h},
		{"hosts.set_comment", "ip, comment", h},

		// salt/modules/linux_sysctl.py
		{"sysctl.get", "name", hp},
		{"sysctl.show", "config_file=False", hp},
		{"sysctl.assign", "name, value", h},
		{"sysctl.persist", "name, value, config=None", h},
		{"sysctl.default_config", "", hp},

		// salt/modules/mount.py, salt/modules/disk.py
		{"mount.active", "extended=False", hp},
		{"mount.fstab", `config="/etc/fstab"`, hp},
		{"mount.swaps", "", hp},
		{"mount.is_mounted", "name", hp},
		{"disk.usage", "args=None", hp},
		{"disk.inodeusage", "args=None", hp},
		{"disk.percent", "args=None", hp},
		{"disk.blkid", "device=None, token=None", hp},

		// salt/modules/git.py
		{"git.clone", `cwd, url=None, name=None, opts="", git_opts="", user=None, password=None, identity=None, https_user=None, https_pass=None, ignore_retcode=False, saltenv="base", output_encoding=None`, h},
		{"git.pull", `cwd, opts="", git_opts="", user=None, password=None, identity=None, ignore_retcode=False, saltenv="base", output_encoding=None`, h},
		{"git.fetch", `cwd, remote=None, force=False, refspecs=None, opts="", git_opts="", user=None, password=None, identity=None, ignore_retcode=False, saltenv="base", output_encoding=None`, h},
		{"git.checkout", `cwd, rev=None, force=False, opts="", git_opts="", user=None, password=None, ignore_retcode=False, output_encoding=None`, h},
		{"git.revision", `cwd, rev="HEAD", short=False, user=None, password=None, ignore_retcode=False, output_encoding=None`, hp},
		{"git.status", "cwd, user=None, password=None, ignore_retcode=False, output_encoding=None", hp},
		{"git.init", `cwd, bare=False, template=None, separate_git_dir=None, shared=None, opts="", git_opts="", user=None, password=None, ignore_retcode=False, output_encoding=None`, h},
		{"git.current_branch", "cwd, user=None, password=None, ignore_retcode=False, output_encoding=None", hp},
		{"git.rev_parse", `cwd, rev=None, opts="", git_opts="", user=None, password=None, ignore_retcode=False, output_encoding=None`, hp},
		{"git.remotes", "cwd, user=None, password=None, redact_auth=True, ignore_retcode=False, output_encoding=None", hp},
		{"git.remote_get", `cwd, remote="origin", user=None, password=None, redact_auth=True, ignore_retcode=False, output_encoding=None`, hp},
		{"git.list_branches", "cwd, remote=False, user=None, password=None, ignore_retcode=False, output_encoding=None", hp},
		{"git.list_tags", "cwd, user=None, password=None, ignore_retcode=False, output_encoding=None", hp},
		{"git.version", "versioninfo=False", hp},
		{"git.config_get", "key, cwd=None, user=None, password=None, ignore_retcode=False, output_encoding=None, **kwargs", hp},
		{"git.config_get_regexp", "key, value_regex=None, cwd=None, user=None, password=None, ignore_retcode=False, output_encoding=None, **kwargs", hp},
		{"git.config_set", "key, value=None, multivar=None, cwd=None, user=None, password=None, ignore_retcode=False, output_encoding=None, **kwargs", h},
		{"git.config_unset", "key, value_regex=None, cwd=None, user=None, password=None, ignore_retcode=False, output_encoding=None, **kwargs", h},

		// salt/modules/cron.py (ls and rm are alias_function copies: Python
		// names them list_tab and rm_job in its errors)
		{"cron.raw_cron", "user", hp},
		{"cron.list_tab", "user", hp},
		{"cron.ls", "py:list_tab, user", hp},
		{"cron.get_entry", "user, identifier=None, cmd=None", hp},
		{"cron.set_job", "user, minute, hour, daymonth, month, dayweek, cmd, commented=False, comment=None, identifier=None", h},
		{"cron.rm_job", "user, cmd, minute=None, hour=None, daymonth=None, month=None, dayweek=None, identifier=None", h},
		{"cron.rm", "py:rm_job, user, cmd, minute=None, hour=None, daymonth=None, month=None, dayweek=None, identifier=None", h},
		{"cron.set_special", "user, special, cmd, commented=False, comment=None, identifier=None", h},
		{"cron.rm_special", "user, cmd, special=None, identifier=None", h},
		{"cron.set_env", "user, name, value=None", h},
		{"cron.rm_env", "user, name", h},
		{"cron.write_cron_file", "user, path", h},
		{"cron.write_cron_file_verbose", "user, path", h},

		// salt/modules/ssh.py
		{"ssh.auth_keys", `user=None, config=".ssh/authorized_keys", fingerprint_hash_type=None`, hp},
		{"ssh.set_auth_key", `user, key, enc="ssh-rsa", comment="", options=None, config=".ssh/authorized_keys", cache_keys=None, fingerprint_hash_type=None`, h},
		{"ssh.rm_auth_key", `user, key, config=".ssh/authorized_keys", fingerprint_hash_type=None`, h},
		{"ssh.check_key", `user, key, enc, comment, options, config=".ssh/authorized_keys", cache_keys=None, fingerprint_hash_type=None`, hp},
		{"ssh.host_keys", "keydir=None, private=True, certs=True", hp},
		{"ssh.user_keys", "user=None, pubfile=None, prvfile=None", hp},
		{"ssh.get_known_host_entries", "user, hostname, config=None, port=None, fingerprint_hash_type=None", hp},
		{"ssh.recv_known_host_entries", "hostname, enc=None, port=None, hash_known_hosts=True, timeout=5, fingerprint_hash_type=None", hp},
		{"ssh.check_known_host", "user=None, hostname=None, key=None, fingerprint=None, config=None, port=None, fingerprint_hash_type=None", hp},
		{"ssh.rm_known_host", "user=None, hostname=None, config=None, port=None", h},
		{"ssh.set_known_host", "user=None, hostname=None, fingerprint=None, key=None, port=None, enc=None, config=None, hash_known_hosts=True, timeout=5, fingerprint_hash_type=None", h},
		{"ssh.hash_known_hosts", "user=None, config=None", h},

		// salt/modules/archive.py (zip and list are zip_ and list_ in Python)
		{"archive.tar", "options, tarfile, sources=None, dest=None, cwd=None, template=None, runas=None", h},
		{"archive.gzip", "sourcefile, template=None, runas=None, options=None", h},
		{"archive.gunzip", "gzipfile, template=None, runas=None, options=None", h},
		{"archive.zip", "py:zip_, zip_file, sources, template=None, cwd=None, runas=None, zip64=False", h},
		{"archive.unzip", "zip_file, dest, excludes=None, options=None, template=None, runas=None, trim_output=False, password=None, extract_perms=True", h},
		{"archive.cmd_zip", "zip_file, sources, template=None, cwd=None, runas=None", h},
		{"archive.cmd_unzip", "zip_file, dest, excludes=None, options=None, template=None, runas=None, trim_output=False, password=None", h},
		{"archive.list", `py:list_, name, archive_format=None, options=None, strip_components=None, clean=False, verbose=False, saltenv="base", source_hash=None, use_etag=False`, hp},

		// salt/modules/status.py, salt/modules/environ.py
		{"status.time", `py:time_, format="%A, %d. %B %Y %I:%M%p"`, h},
		{"status.all_status", "", hp},
		{"status.cpuinfo", "", hp},
		{"status.cpustats", "", hp},
		{"status.diskstats", "", hp},
		{"status.diskusage", "*args", hp},
		{"status.loadavg", "", hp},
		{"status.meminfo", "", hp},
		{"status.netdev", "", hp},
		{"status.netstats", "", hp},
		{"status.pid", "sig", hp},
		{"status.procs", "", hp},
		{"status.uptime", "", hp},
		{"status.vmstats", "", hp},
		{"status.w", "", hp},

		// salt/modules/timezone.py, salt/modules/localemod.py,
		// salt/modules/system.py
		{"timezone.get_zone", "", hp},
		{"timezone.set_zone", "timezone", h},
		{"timezone.get_hwclock", "", hp},
		{"timezone.set_hwclock", "clock", h},
		{"timezone.get_offset", "", hp},
		{"timezone.zone_compare", "timezone", hp},
		{"timezone.get_zonecode", "", hp},
		{"locale.get_locale", "", hp},
		{"locale.set_locale", "locale", h},
		{"locale.list_avail", "", hp},
		{"locale.avail", "locale", hp},
		{"locale.gen_locale", "locale, **kwargs", h},
		{"system.reboot", "at_time=None", hg},
		{"system.poweroff", "", hg},
		{"system.shutdown", "at_time=None", hg},
		{"system.halt", "", hg},
		{"system.get_system_time", "utc_offset=None", h},
		{"system.get_system_date", "utc_offset=None", h},
		{"environ.get", `key, default=""`, hp},
	}
}
