# Restart the app's processes (the systemd units given after SETTLE), then
# make sure each stays up SETTLE seconds: still active, with the main process
# it started with (a crash would show as another PID, or as not active).
# On failure: which units fell, and their output since the restart; exit 1.
set -euo pipefail
settle=$1
shift
since=$(date +%s)
systemctl restart -- "$@"
declare -A started
for unit in "$@"; do
  started[$unit]=$(systemctl show --property=MainPID --value -- "$unit")
done
sleep "$settle"
failed=0
for unit in "$@"; do
  state=$(systemctl show --property=ActiveState --value -- "$unit")
  pid=$(systemctl show --property=MainPID --value -- "$unit")
  if [ "$state" = active ] && [ "$pid" = "${started[$unit]}" ] && [ "$pid" != 0 ]; then
    echo "$unit runs the release (main PID $pid, up ${settle} s)"
  else
    echo "$unit did not stay up ${settle} s after its restart (now $state; main PID ${started[$unit]}, then $pid)." \
      "Its output: $(journalctl --no-pager --output=cat --lines=5 --since="@$since" \
        --identifier="${unit%.service}" | tr '\n' ' ')" >&2
    failed=1
  fi
done
exit "$failed"
