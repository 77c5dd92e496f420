#!/bin/sh
# Container hygiene for a systemd root filesystem at $1: a machine-id per
# container, and no units that need real hardware or a console.
set -eu
root=$1
rm -f "$root/etc/machine-id" "$root/var/lib/dbus/machine-id"
: > "$root/etc/machine-id"
for unit in getty.target console-getty.service systemd-udevd.service \
    systemd-udev-trigger.service systemd-logind.service \
    systemd-timesyncd.service systemd-networkd-wait-online.service \
    apt-daily.timer apt-daily-upgrade.timer; do
  ln -sf /dev/null "$root/etc/systemd/system/$unit"
done
