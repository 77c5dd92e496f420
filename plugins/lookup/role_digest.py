"""SHA-256 over every file of the named roles: their paths and contents."""

import hashlib
import os

from ansible import constants as C
from ansible.errors import AnsibleLookupError
from ansible.plugins.lookup import LookupBase

DOCUMENTATION = r"""
name: role_digest
short_description: SHA-256 over every file of the named roles
description:
  - Finds each role on the roles path and hashes the relative path and the
    content of each of its files, in a stable order. Any edit to a role's
    tasks, templates, defaults or handlers gives another digest.
options:
  _terms:
    description: Role names.
    required: true
"""

RETURN = r"""
_raw:
  description: One hex digest for all the roles named.
  type: list
  elements: str
"""


def role_dir(name, search):
    for base in search:
        candidate = os.path.join(base, name)
        if os.path.isdir(os.path.join(candidate, "tasks")):
            return candidate
    raise AnsibleLookupError(f"role {name!r} is not on the roles path {search}")


def digest_roles(names, search):
    digest = hashlib.sha256()
    for name in names:
        top = role_dir(name, search)
        for root, dirs, files in os.walk(top):
            dirs[:] = sorted(d for d in dirs if d != "__pycache__")
            for filename in sorted(files):
                path = os.path.join(root, filename)
                digest.update(f"{name}/{os.path.relpath(path, top)}\0".encode())
                with open(path, "rb") as handle:
                    digest.update(hashlib.sha256(handle.read()).digest())
    return digest.hexdigest()


class LookupModule(LookupBase):
    def run(self, terms, variables=None, **kwargs):
        search = [os.path.expanduser(path) for path in C.DEFAULT_ROLES_PATH]
        basedir = self._loader.get_basedir()
        search += [os.path.join(basedir, "roles"), os.path.join(basedir, "..", "roles")]
        return [digest_roles([str(term) for term in terms], search)]
