"""Print where each web host stands at the end of a deploy.

After every run that deploys the app (a play with the app role), one line
per host of those plays: the release it serves now and how long its deploy
took, or why it failed, or that the rollout stopped before reaching it and
it kept the release it had (or, after a run whose tags leave the release
steps out, such as --tags pip, that it kept its release). A halted rollout
(max_fail_percentage) ends every later play, so this is printed by a
callback, which sees the end of the run whatever happened.
"""

from ansible import constants as C
from ansible import context
from ansible.plugins.callback import CallbackBase

DOCUMENTATION = """
    name: deploy_summary
    type: aggregate
    short_description: Where each web host stands after a deploy
    description:
      - One line per host of the plays that run the app role, printed at the end of the run.
    requirements:
      - enabled in ansible.cfg (callbacks_enabled)
"""

ROLE = "app"


class CallbackModule(CallbackBase):
    CALLBACK_VERSION = 2.0
    CALLBACK_TYPE = "aggregate"
    CALLBACK_NAME = "deploy_summary"
    CALLBACK_NEEDS_ENABLED = True

    def __init__(self):
        super().__init__()
        self.hosts = []  # hosts of the deploy plays, in inventory order
        # host -> its last word: the app_deployed fact, or why it failed (a
        # failure the role rescued and recovered from is overwritten).
        self.outcome = {}
        # hosts that ran any task of a deploy play: reached, even when the
        # run's tags left the release steps out (--tags pip).
        self.reached = set()
        self.deploying = False

    def v2_playbook_on_play_start(self, play):
        self.deploying = ROLE in [role.get_name() for role in play.get_roles()]
        if not self.deploying:
            return
        inventory = play._variable_manager._inventory
        for host in inventory.get_hosts(play.hosts, ignore_restrictions=True):
            if host.name not in self.hosts:
                self.hosts.append(host.name)

    def v2_runner_on_ok(self, result):
        if self.deploying:
            self.reached.add(result._host.get_name())
        fact = result._result.get("ansible_facts", {}).get("app_deployed")
        if fact:
            self.outcome[result._host.get_name()] = fact

    def v2_runner_on_failed(self, result, ignore_errors=False):
        if not ignore_errors:
            # A command's own words (a raw step that holds the lock or finds
            # the host unprovisioned) say more than "non-zero return code".
            reason = str(result._result.get("msg") or "failed")
            said = str(result._result.get("stderr") or "").strip()
            if said and said not in reason:
                reason = f"{reason}: {said}"
            self.outcome[result._host.get_name()] = f"FAILED: {' '.join(reason.split())}"

    def v2_runner_on_unreachable(self, result):
        reason = " ".join(str(result._result.get("msg") or "").split())
        self.outcome[result._host.get_name()] = f"UNREACHABLE: {reason}"

    def v2_playbook_on_stats(self, stats):
        if not self.hosts:
            return
        width = max(len(host) for host in self.hosts)
        tags = ", ".join(sorted(set(context.CLIARGS.get("tags") or ()) - {"all"}))
        self._display.banner("DEPLOY SUMMARY")
        for host in self.hosts:
            outcome = self.outcome.get(host)
            if outcome is None and tags and host in self.reached:
                line = f"kept its release: this run's tags ({tags}) leave out the release steps"
                color = C.COLOR_OK
            elif outcome is None:
                line = "not reached: the rollout stopped before it; it keeps its release"
                color = C.COLOR_WARN
            elif isinstance(outcome, str):
                line, color = outcome, C.COLOR_ERROR
            else:
                changed = outcome["changed"] in (True, "True", "true")
                where = f" at {outcome['url']}" if outcome.get("url") else ""
                line = (
                    f"{'deployed' if changed else 'unchanged'}: serves {outcome['release']} "
                    f"({outcome['version']}, commit {outcome['commit'][:12]}){where}, "
                    f"{outcome['seconds']} s"
                )
                color = C.COLOR_CHANGED if changed else C.COLOR_OK
            self._display.display(f"{host.ljust(width)}  {line}", color=color)
