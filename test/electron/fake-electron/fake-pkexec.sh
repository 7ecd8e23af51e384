#!/bin/sh
# Stands in for polkit's pkexec in the window's install test: records its arguments, then
# either refuses as a dismissed prompt does (exit 126) or runs the command as root with
# PKEXEC_UID set — and, as systemd's socket unit would, starts the service on the socket.
printf '%s\n' "$@" > "$FAKE_PKEXEC_LOG"
[ "$FAKE_PKEXEC_ANSWER" = dismiss ] && exit 126
PKEXEC_UID="$FAKE_PKEXEC_UID" "$@" || exit $?
nohup "$FAKE_PKEXEC_NODE" "$FAKE_PKEXEC_CLI" --root "$FAKE_PKEXEC_STORE" system service --socket "$STRATA_SYSTEM_SOCKET" --group strata > "$FAKE_PKEXEC_LOG.service" 2>&1 &
echo $! > "$FAKE_PKEXEC_LOG.pid"
