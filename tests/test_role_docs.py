"""Each role's README stays in step with the role.

Its variable table lists exactly the options of the role's
meta/argument_specs.yml, its "Tags" section names every tag the playbooks
and the role's own tasks give it, and its example is a play that runs it
with options the role takes.
"""

import re
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
ROLES = sorted(path.name for path in (ROOT / "roles").iterdir() if (path / "meta").is_dir())


def section(readme, title):
    """The text under a '## title' heading, up to the next heading of that level."""
    match = re.search(rf"^## {title}\n(.*?)(?=^## |\Z)", readme, re.M | re.S)
    assert match, f"no '## {title}' section"
    return match.group(1)


def spec_options(role):
    specs = yaml.safe_load((ROOT / "roles" / role / "meta/argument_specs.yml").read_text())
    entries = specs["argument_specs"].values()
    return {name for entry in entries for name in entry.get("options") or {}}


def documented_variables(readme):
    """Variables in the first column of the README's variable tables."""
    names = set()
    for first_cell in re.findall(r"^\| ([^|]+) \|", section(readme, "Variables"), re.M):
        names |= set(re.findall(r"`([a-z][a-z0-9_]*)`", first_cell))
    return names


def tags_given(role):
    """Tags the playbooks put on the role, and those its tasks carry."""
    tags = set()
    for playbook in (ROOT / "playbooks").glob("*.yml"):
        for play in yaml.safe_load(playbook.read_text()) or []:
            for entry in play.get("roles", []):
                if isinstance(entry, dict) and entry.get("role") == role:
                    tags |= set(entry.get("tags", []))
    for tasks in (ROOT / "roles" / role / "tasks").glob("*.yml"):
        for listed in re.findall(r"^\s*tags: \[([^\]]*)\]", tasks.read_text(), re.M):
            tags |= {tag.strip() for tag in listed.split(",")}
    return tags - {"always"}


@pytest.mark.parametrize("role", ROLES)
def test_variable_table_lists_the_argument_specs(role):
    readme = (ROOT / "roles" / role / "README.md").read_text()
    options, documented = spec_options(role), documented_variables(readme)
    assert options - documented == set(), "options missing from the README's variable table"
    assert documented - options == set(), "README variables the role does not take"


@pytest.mark.parametrize("role", ROLES)
def test_tags_section_names_the_role_tags(role):
    tags = section((ROOT / "roles" / role / "README.md").read_text(), "Tags")
    named = set(re.findall(r"`([a-z_]+)`", tags))
    assert tags_given(role) - named == set(), "tags the README does not name"


@pytest.mark.parametrize("role", ROLES)
def test_example_is_a_play_running_the_role_with_its_options(role):
    example = section((ROOT / "roles" / role / "README.md").read_text(), "Example")
    block = re.search(r"```yaml\n(.*?)```", example, re.S)
    assert block, "no yaml example"
    plays = yaml.safe_load(block.group(1))
    entries = [entry for play in plays for entry in play.get("roles", [])]
    entries += [
        task.get("ansible.builtin.include_role", task.get("ansible.builtin.import_role"))
        for play in plays
        for task in play.get("tasks", [])
    ]
    uses = [e for e in entries if isinstance(e, dict) and e.get("role", e.get("name")) == role]
    assert uses, "the example does not run the role"
    known = spec_options(role) | {"role", "name", "tasks_from", "tags", "vars", "when"}
    for use in uses:
        given = set(use) | set(use.get("vars", {}))
        assert given - known == set(), "the example passes options the role does not take"
