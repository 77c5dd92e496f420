#!/usr/bin/python
"""Compare a host with the record of its last full provisioning, or record it.

The record holds a digest per role of what provisioning applied (the role's
files and settings, computed on the controller) and a fingerprint of what
provisioning manages on the host: every file under the watched paths (type,
owner, mode, content), the installed packages (dpkg's status file is one of
the paths), and which units enabled at boot were running. A host whose
digests and fingerprint all still match would change nothing in a full run,
so the provisioning roles can be skipped there. A role whose files or
settings changed runs again alone; any change on the host itself, even one a
full run would leave alone, sends the host through every role (what changed
on a host says nothing of which role owns it).
"""

import glob
import grp
import hashlib
import json
import os
import pwd
import stat
import subprocess

from ansible.module_utils.basic import AnsibleModule

DOCUMENTATION = r"""
module: provision_state
short_description: Compare a host with the record of its last full provisioning, or record it
description:
  - C(state=checked) reads the record and tells whether the host still matches it (C(current)),
    and if not, why (C(reason)). It changes nothing.
  - C(state=recorded) writes the record of the host as it is now.
options:
  path:
    description: The record, a JSON file readable by root only.
    type: path
    required: true
  digests:
    description: Digest of what each provisioning role applies (its files and settings), by role,
      computed on the controller.
    type: dict
    required: true
  watch:
    description:
      - Paths provisioning manages. Directories are walked; shell patterns match several paths.
      - A path ending in C(/) stands for the directory alone (type, owner, mode), for
        directories whose content deploys own.
    type: list
    elements: str
    required: true
  content_not_watched:
    description:
      - Files whose presence, owner and mode are watched but not their content
        (deploys rewrite them).
    type: list
    elements: path
    default: []
  state:
    description: Compare with the record, or write it.
    type: str
    choices: [checked, recorded]
    default: checked
"""

RETURN = r"""
current:
  description: Whether the host matches its record (state=checked).
  type: bool
  returned: always
roles:
  description: The roles to run (state=checked), in the order of C(digests); empty when current.
  type: list
  elements: str
  returned: always
reason:
  description: The first differences found, empty when current.
  type: str
  returned: always
"""

# Bumped whenever what the fingerprint holds changes: older records no longer match.
# 2: enabled units read from their links, not from systemctl list-unit-files.
# 3: a digest per role.
FORMAT = 3


def _owner(st):
    try:
        user = pwd.getpwuid(st.st_uid).pw_name
    except KeyError:
        user = str(st.st_uid)
    try:
        group = grp.getgrgid(st.st_gid).gr_name
    except KeyError:
        group = str(st.st_gid)
    return f"{user}:{group}:{stat.S_IMODE(st.st_mode):04o}"


def _entry(path, content=True):
    """One path's signature: its type, owner and mode, and its content or target."""
    st = os.lstat(path)
    sig = _owner(st)
    if stat.S_ISLNK(st.st_mode):
        return f"link {sig} {os.readlink(path)}"
    if stat.S_ISDIR(st.st_mode):
        return f"dir {sig}"
    if stat.S_ISREG(st.st_mode):
        if not content:
            return f"file {sig}"
        digest = hashlib.sha256()
        with open(path, "rb") as handle:
            for block in iter(lambda: handle.read(1 << 16), b""):
                digest.update(block)
        return f"file {sig} {digest.hexdigest()}"
    return f"other {sig}"


def fingerprint_paths(watch, content_not_watched=()):
    """Signatures of every path under the watched ones, keyed by path."""
    skip_content = set(content_not_watched)
    entries = {}
    for pattern in watch:
        shallow = pattern.endswith("/") and pattern != "/"
        for top in sorted(glob.glob(pattern.rstrip("/") or "/")):
            if shallow:
                paths = [top]
            elif os.path.isdir(top) and not os.path.islink(top):
                paths = [top]
                for root, dirs, files in os.walk(top):
                    dirs.sort()
                    paths += [os.path.join(root, name) for name in sorted(dirs + files)]
            else:
                paths = [top]
            for path in paths:
                try:
                    entries[path] = _entry(path, content=not shallow and path not in skip_content)
                except FileNotFoundError:
                    continue
    return entries


def enabled_units(units_dir="/etc/systemd/system"):
    """Units enabled at boot: the links "systemctl enable" makes in a target's
    .wants/ or .requires/ directory. Instances of templates (a blue-green
    slot's) come and go with deploys, and are left out.

    Read from the links in milliseconds; "systemctl list-unit-files", which
    has systemd parse every unit file, took 0.6 s on every run, on every host.
    """
    links = glob.glob(os.path.join(units_dir, "*.wants", "*"))
    links += glob.glob(os.path.join(units_dir, "*.requires", "*"))
    return sorted({os.path.basename(link) for link in links if "@" not in os.path.basename(link)})


def running_units(module, units_dir="/etc/systemd/system"):
    """Units enabled at boot, and whether each runs now."""
    systemctl = module.get_bin_path("systemctl")
    names = enabled_units(units_dir)
    if not systemctl or not names:
        return {}
    shown = subprocess.run(
        [systemctl, "show", "--property=Id,ActiveState", *names],
        capture_output=True,
        text=True,
        check=False,
    ).stdout
    units = {}
    for block in shown.strip().split("\n\n"):
        fields = dict(line.split("=", 1) for line in block.splitlines() if "=" in line)
        if "Id" in fields:
            units[fields["Id"]] = fields.get("ActiveState", "")
    return units


def host_differences(record, now):
    """What differs on the host itself since the record, most telling first."""
    if record is None:
        return ["no record of an earlier provisioning"]
    if record.get("format") != now["format"]:
        return ["the record is from an older version of this check"]
    found = []
    before, after = record.get("paths", {}), now["paths"]
    for path in sorted(before.keys() | after.keys()):
        if path not in after:
            found.append(f"{path} is gone")
        elif path not in before:
            found.append(f"{path} is new")
        elif before[path] != after[path]:
            found.append(f"{path} changed")
    # A unit that ran must still run; one that started since is no drift.
    for unit, state in sorted(record.get("units", {}).items()):
        if state == "active" and now["units"].get(unit) != "active":
            found.append(f"{unit} is {now['units'].get(unit) or 'no longer enabled'}")
    return found


def due(record, now):
    """The roles to run and why: every role when the host itself differs
    from its record, else the roles whose files or settings changed."""
    found = host_differences(record, now)
    if found:
        return list(now["digests"]), found
    recorded = record.get("digests", {})
    changed = [role for role, digest in now["digests"].items() if recorded.get(role) != digest]
    if changed:
        return changed, [f"the files or settings of {', '.join(changed)} changed"]
    return [], []


def main():
    module = AnsibleModule(
        argument_spec={
            "path": {"type": "path", "required": True},
            "digests": {"type": "dict", "required": True},
            "watch": {"type": "list", "elements": "str", "required": True},
            "content_not_watched": {"type": "list", "elements": "path", "default": []},
            "state": {"type": "str", "choices": ["checked", "recorded"], "default": "checked"},
        },
        supports_check_mode=True,
    )
    params = module.params
    now = {
        "format": FORMAT,
        "digests": params["digests"],
        "paths": fingerprint_paths(params["watch"], params["content_not_watched"]),
        "units": running_units(module),
    }
    try:
        with open(params["path"], encoding="utf-8") as handle:
            record = json.load(handle)
    except (FileNotFoundError, ValueError):
        record = None
    roles, found = due(record, now)
    reason = "; ".join(found[:5]) + (f"; and {len(found) - 5} more" if len(found) > 5 else "")

    if params["state"] == "checked":
        module.exit_json(changed=False, current=not roles, roles=roles, reason=reason)

    changed = record != now
    if changed and not module.check_mode:
        os.makedirs(os.path.dirname(params["path"]), mode=0o700, exist_ok=True)
        temporary = params["path"] + ".tmp"
        with open(
            os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600), "w", encoding="utf-8"
        ) as handle:
            json.dump(now, handle, sort_keys=True)
        os.replace(temporary, params["path"])
    module.exit_json(changed=changed, current=True, roles=[], reason="")


if __name__ == "__main__":
    main()
