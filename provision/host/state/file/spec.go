package file

import "brine/provision/wire/spec"

// Spec declares the file state functions; the signatures are Salt
// 3007.1's (salt/states/file.py), tagged with what brine checks and does.
func Spec() *spec.Module {
	return &spec.Module{
		Funcs: map[string]*spec.Func{
			"managed": spec.Fn("name, source=None file, source_hash='' str, source_hash_name=None str, keep_source=True ignored, user=None str, " +
				"group=None str, mode=None mode, attrs=None ignored, template=None str, makedirs=False, dir_mode=None mode, " +
				"context=None map, replace=True, defaults=None map, backup='', show_changes=True, create=True, " +
				"contents=None, tmp_dir='' ignored, tmp_ext='' ignored, contents_pillar=None str, contents_grains=None str, " +
				"contents_newline=True, contents_delimiter=':' ignored, encoding=None ignored, encoding_errors='strict' ignored, " +
				"allow_empty=True ignored, follow_symlinks=True, check_cmd=None, skip_verify=False, selinux=None ignored, " +
				"win_owner=None ignored, win_perms=None ignored, win_deny_perms=None ignored, win_inheritance=True ignored, " +
				"win_perms_reset=False ignored, verify_ssl=True, use_etag=False ignored, signature=None ignored, " +
				"source_hash_sig=None ignored, signed_by_any=None ignored, signed_by_all=None ignored, keyring=None ignored, " +
				"gnupghome=None ignored, **kwargs"),
			"directory": spec.Fn("name, user=None str, group=None str, recurse=None, max_depth=None int ignored, dir_mode=None mode, " +
				"file_mode=None mode, makedirs=False, clean=False, require=None, exclude_pat=None any, " +
				"follow_symlinks=False, force=False, backupname=None str ignored, allow_symlink=True ignored, " +
				"children_only=False ignored, win_owner=None ignored, win_perms=None ignored, win_deny_perms=None ignored, " +
				"win_inheritance=True ignored, win_perms_reset=False ignored, **kwargs"),
			"absent": spec.Fn("name, **kwargs"),
			"symlink": spec.Fn("name, target str, force=False, backupname=None str ignored, makedirs=False, user=None str, group=None str, " +
				"mode=None mode ignored, win_owner=None ignored, win_perms=None ignored, win_deny_perms=None ignored, " +
				"win_inheritance=None ignored, atomic=False ignored, disallow_copy_and_unlink=False ignored, " +
				"inherit_user_and_group=False ignored, follow_symlinks=True, **kwargs"),
			"recurse": spec.Fn("name, source dir, keep_source=True ignored, clean=False, require=None, user=None str, group=None str, " +
				"dir_mode=None mode, file_mode=None mode, sym_mode=None mode ignored, template=None str, context=None map, " +
				"replace=True ignored, defaults=None map, include_empty=False, backup='' ignored, include_pat=None any, " +
				"exclude_pat=None any, maxdepth=None int ignored, keep_symlinks=False ignored, force_symlinks=False ignored, " +
				"win_owner=None ignored, win_perms=None ignored, win_deny_perms=None ignored, win_inheritance=True ignored, **kwargs"),
			"replace": spec.Fn("name, pattern str, repl str, count=0, flags=8 ignored, bufsize=1 ignored, append_if_not_found=False, " +
				"prepend_if_not_found=False, not_found_content=None str, backup='.bak', show_changes=True, " +
				"ignore_if_missing=False, backslash_literal=False ignored"),
			"append": spec.Fn("name, text=None, makedirs=False, source=None ignored, source_hash=None ignored, template='jinja' ignored, " +
				"sources=None ignored, source_hashes=None ignored, defaults=None ignored, context=None ignored, " +
				"ignore_whitespace=True ignored"),
			"line": spec.Fn("name, content=None str, match=None str, mode=None str, location=None str, before=None str, after=None str, " +
				"show_changes=True, backup=False, quiet=False ignored, indent=True, create=False, user=None str ignored, " +
				"group=None str ignored, file_mode=None mode ignored"),
			"blockreplace": spec.Fn("name, marker_start='#-- start managed zone --', marker_end='#-- end managed zone --', source=None ignored, " +
				"source_hash=None ignored, template='jinja' ignored, sources=None ignored, source_hashes=None ignored, " +
				"defaults=None ignored, context=None ignored, content='', append_if_not_found=False, " +
				"prepend_if_not_found=False, backup='.bak', show_changes=True, append_newline=None ignored, " +
				"insert_before_match=None str ignored, insert_after_match=None str ignored"),
			"comment":   spec.Fn("name, regex str, char='#', backup='.bak', ignore_missing=False ignored"),
			"uncomment": spec.Fn("name, regex str, char='#', backup='.bak'"),
			"touch":     spec.Fn("name, atime=None int, mtime=None int, makedirs=False"),
			"copy": spec.Fn("name, source str, force=False, makedirs=False, preserve=False, user=None str, group=None str, " +
				"mode=None mode, dir_mode=None mode, subdir=False, **kwargs"),
			"rename": spec.Fn("name, source str, force=False, makedirs=False, **kwargs"),
			"serialize": spec.Fn("name, dataset=None, dataset_pillar=None str, user=None str, group=None str, mode=None mode, backup='', " +
				"makedirs=False, show_changes=True, create=True, merge_if_exists=False, encoding=None ignored, " +
				"encoding_errors='strict' ignored, serializer=None str, serializer_opts=None ignored, " +
				"deserializer_opts=None ignored, check_cmd=None, tmp_dir='' ignored, tmp_ext='' ignored, **kwargs"),
			"exists":      spec.Fn("name, **kwargs"),
			"missing":     spec.Fn("name, **kwargs"),
			"accumulated": spec.Fn("name, filename str, text, **kwargs"),
		},
	}
}

// Doc documents the file state functions for sys.state_doc and the
// README (the controller's catalog; the executor does not link it).
func Doc() spec.Doc {
	return spec.Doc{
		Module: "Operations on regular files, directories, links and their content. Every function " +
			"computes its changes first, so test=True predicts exactly what a real run does.",
		Funcs: map[string]string{
			"managed": "Manage a file's content (from a salt:// source rendered with `template`, an http(s) source downloaded " +
				"on the controller and checked against source_hash, or contents, " +
				"contents_pillar, contents_grains), owner, group and mode. The file is written atomically beside the " +
				"target. Comments as Salt's: 'File NAME updated', 'File NAME is in the correct state', and in test mode " +
				"'The file NAME is set to be changed'; changes carry Salt's unified diff.",
			"directory": "Ensure a directory exists with the given owner, group and mode; recurse applies them " +
				"below it, clean removes what no state requires, makedirs creates missing parents.",
			"absent": "Make sure a file or directory (recursively) is absent: 'Removed file NAME', " +
				"'File NAME is not present'.",
			"symlink": "Create a symbolic link NAME pointing to target; force replaces a file in the way.",
			"recurse": "Mirror a salt:// directory (bundled by the compiler, each file rendered with `template`) " +
				"into the directory NAME, created with its parents: files as file.managed (file_mode), their " +
				"directories as file.directory (dir_mode), empty source directories only with include_empty. " +
				"clean: True removes what the source does not have, except paths other states require and " +
				"exclude_pat (test mode lists them in the comment, as Salt does). 'Recursively updated NAME', " +
				"'The directory NAME is in the correct state'.",
			"replace": "Replace occurrences of a (Python) regular expression in a file; append_if_not_found or " +
				"prepend_if_not_found add the replacement when nothing matches.",
			"append": "Append text (a line or a list of lines) to a file unless it is already there; " +
				"makedirs creates the parents of a new file.",
			"line": "Manage one line of a file: mode ensure, replace, insert or delete, placed with " +
				"location, before and after.",
			"blockreplace": "Maintain a block of text between marker_start and marker_end; with " +
				"append_if_not_found or prepend_if_not_found the block and markers are added when missing. " +
				"file.accumulated data naming this state is added to the block.",
			"comment":   "Comment out the lines matching regex with char.",
			"uncomment": "Uncomment the lines matching regex that are commented with char.",
			"touch":     "Create an empty file or update its access and modification times, like touch(1).",
			"copy": "Copy the file source on the host to NAME. An existing target is left alone " +
				"('The target file \"NAME\" exists and will not be overwritten') unless force is set; preserve " +
				"keeps the source's owner and mode, otherwise user, group and mode apply; subdir copies into " +
				"NAME as a directory.",
			"rename": "Move the file or directory source on the host to NAME: 'Moved \"SOURCE\" to \"NAME\"'; " +
				"nothing to do when source is gone ('Source file \"SOURCE\" has already been moved out of place'); " +
				"an existing target is only replaced with force.",
			"serialize": "Serialize dataset (or the pillar value dataset_pillar) into the file NAME with " +
				"serializer yaml (default), json, toml, configparser, keyvalue, plist, msgpack or python, laid out as " +
				"Salt's serializers lay them out; merge_if_exists merges into the existing yaml, json or toml data " +
				"first. Keys of toml, configparser and keyvalue output are sorted (the SLS order does not survive " +
				"the trip to the host). yamlex is not supported.",
			"exists":  "Verify that NAME exists (no change is ever made).",
			"missing": "Verify that NAME does not exist (no change is ever made).",
			"accumulated": "Collect text for the file.managed or file.blockreplace state whose `name` is " +
				"filename: the states requiring it (require_in) see the text in their template's " +
				"`accumulator[NAME]` (file.managed) or get it added to their block (file.blockreplace). The " +
				"data lives for the run only.",
		},
	}
}
