#!/usr/bin/env python3
"""Watch a release that just took traffic: its liveness path and nginx's log.

usage: soak.py LOG RELEASE URL HOST SECONDS INTERVAL MAX_5XX_PERCENT STATUS...

RELEASE is a release id, or its end: "-<commit>" matches that commit's
release on every host (a canary's, in a load balancer's log).

For SECONDS, polls URL (with Host: HOST) every INTERVAL seconds; each poll
must answer one of the STATUS codes. Then reads the lines nginx appended to
LOG meanwhile ("<time> <status> <release>") and counts the answers that came
from RELEASE, or from no release at all (nginx's own 502 or 504 when the app
is gone); at most MAX_5XX_PERCENT of them may be 5xx. Prints the figures as
JSON, with "failed": which limit was crossed, if one was (empty if none);
then says it on stderr too and exits 1, so the deploy rolls back.
Standard library only: it runs on the host's python3.
"""

import json
import os
import sys
import time
import urllib.error
import urllib.request


def poll(url, host):
    request = urllib.request.Request(url, headers={"Host": host})
    try:
        with urllib.request.urlopen(request, timeout=5) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code
    except OSError as error:
        return type(error).__name__


def logged_answers(log, offset, since, release):
    """(answers, 5xx answers) of RELEASE logged after OFFSET, at or after SINCE."""
    answers = errors = 0
    if not os.path.exists(log):
        return answers, errors
    with open(log, encoding="utf-8", errors="replace") as handle:
        handle.seek(min(offset, os.path.getsize(log)))
        for line in handle:
            fields = line.split()
            if len(fields) < 3 or float(fields[0]) < since:
                continue
            if fields[2] != "-" and not fields[2].endswith(release):
                continue
            answers += 1
            errors += fields[1].startswith("5")
    return answers, errors


def main(log, release, url, host, seconds, interval, max_percent, *statuses):
    seconds, interval, max_percent = float(seconds), float(interval), float(max_percent)
    accepted = {int(status) for status in statuses}
    since = time.time()
    offset = os.path.getsize(log) if os.path.exists(log) else 0
    deadline = since + seconds
    polls = []
    while True:
        polls.append(poll(url, host))
        left = deadline - time.time()
        if left <= 0:
            break
        time.sleep(min(interval, left))
    # nginx writes each line as its request ends; let the last ones land.
    time.sleep(0.2)
    answers, errors = logged_answers(log, offset, since, release)
    percent = round(100.0 * errors / answers, 1) if answers else 0.0
    bad_polls = [status for status in polls if status not in accepted]
    summary = {
        "seconds": round(time.time() - since, 1),
        "liveness": {"polls": len(polls), "failed": len(bad_polls), "got": bad_polls[:5]},
        "answers": answers,
        "answers_5xx": errors,
        "percent_5xx": percent,
        "max_percent_5xx": max_percent,
    }
    problems = []
    if bad_polls:
        problems.append(
            f"liveness {url} failed {len(bad_polls)} of {len(polls)} polls (got {bad_polls[:5]})"
        )
    if percent > max_percent:
        problems.append(
            f"{errors} of {answers} answers of the release were 5xx ({percent}%, "
            f"over the {max_percent}% allowed)"
        )
    verdict = "; ".join(problems)
    if problems:
        verdict = f"soak of {release} over {summary['seconds']} s: {verdict}"
    print(json.dumps({**summary, "failed": verdict}))
    if problems:
        print(verdict, file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:]))
