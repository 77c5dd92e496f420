# The app's processes (systemd units), in two steps, so that the deploy's
# other waits (a new release's soak) run while they settle:
#   restart UNIT...                 restart them; print the moment and each
#                                   one's main PID: "SINCE UNIT=PID ..."
#   check SETTLE SINCE UNIT=PID...  once SETTLE seconds have passed since
#                                   SINCE, make sure each is still active,
#                                   with the main process it started with (a
#                                   crash would show as another PID, or as
#                                   not active)
# On failure: which units fell, and their output since the restart; exit 1.
set -euo pipefail
step=$1
shift
case $step in
  restart)
    since=$(date +%s.%N)
    systemctl restart -- "$@"
    line=$since
    for unit in "$@"; do
      line+=" $unit=$(systemctl show --property=MainPID --value -- "$unit")"
    done
    echo "$line"
    ;;
  check)
    settle=$1 since=$2
    shift 2
    sleep "$(awk -v since="$since" -v settle="$settle" -v now="$(date +%s.%N)" \
      'BEGIN { left = since + settle - now; printf "%.3f", (left > 0 ? left : 0) }')"
    failed=0
    for started in "$@"; do
      unit=${started%=*} first=${started##*=}
      state=$(systemctl show --property=ActiveState --value -- "$unit")
      pid=$(systemctl show --property=MainPID --value -- "$unit")
      if [ "$state" = active ] && [ "$pid" = "$first" ] && [ "$pid" != 0 ]; then
        echo "$unit runs the release (main PID $pid, up ${settle} s)"
      else
        echo "$unit did not stay up ${settle} s after its restart (now $state; main PID $first, then $pid)." \
          "Its output: $(journalctl --no-pager --output=cat --lines=5 --since="@${since%.*}" \
            --identifier="${unit%.service}" | tr '\n' ' ')" >&2
        failed=1
      fi
    done
    exit "$failed"
    ;;
  *)
    echo "processes.sh: unknown step $step (restart or check)" >&2
    exit 2
    ;;
esac
