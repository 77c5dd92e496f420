#!/bin/sh
# Container hygiene for a systemd root filesystem at $1: a machine-id and SSH
# host keys of its own per container, and no units that need real hardware
# or a console.
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
# Host keys made at build time would be shared by every container of the
# image: remove them; each container makes its own before sshd first starts
# (as a cloud image does on first boot).
rm -f "$root"/etc/ssh/ssh_host_*
mkdir -p "$root/etc/systemd/system/ssh.service.d"
cat > "$root/etc/systemd/system/ssh.service.d/host-keys.conf" <<'UNIT'
[Service]
ExecStartPre=
ExecStartPre=/usr/bin/ssh-keygen -A
ExecStartPre=/usr/sbin/sshd -t
UNIT
