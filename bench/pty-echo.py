#!/usr/bin/env python3
# Run by bench/terminal.js: keystroke-to-echo latency of an interactive shell reached through a
# command that takes a terminal (`podman exec -it CONTAINER sh`), as a user's terminal emulator
# sees it — the command on a pty of its own (Python's pty module), one key written to the
# master until its echo is read back. The same pace and keys as bench/terminal-run.js: a key
# every 30 ms, ^U every 20 keys. Prints one JSON object: {"median": ms, "p95": ms, "keys": n}.
#   python3 bench/pty-echo.py KEYS -- COMMAND [ARG...]
import json
import os
import pty
import re
import select
import sys
import time

PROMPT = re.compile(rb'# \S*$')  # busybox sh as root: "/ # ", then its cursor-position query


def read_until(fd, seen, test, timeout=20.0):
    deadline = time.monotonic() + timeout
    while not test(seen):
        left = deadline - time.monotonic()
        if left <= 0:
            raise TimeoutError('no echo in %.0f s; the screen ends %r' % (timeout, bytes(seen[-80:])))
        ready, _, _ = select.select([fd], [], [], left)
        if ready:
            seen += os.read(fd, 65536)
    return seen


def percentile(values, p):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, len(ordered) * p // 100)]


def main():
    keys = int(sys.argv[1])
    command = sys.argv[sys.argv.index('--') + 1:]
    pid, fd = pty.fork()
    if pid == 0:
        os.execvp(command[0], command)
    seen = read_until(fd, bytearray(), lambda s: PROMPT.search(bytes(s)) is not None)
    times = []
    for i in range(keys):
        time.sleep(0.030)
        key = bytes([97 + i % 26])
        before = len(seen)
        start = time.perf_counter()
        os.write(fd, key)
        seen = read_until(fd, seen, lambda s: key in s[before:])
        times.append((time.perf_counter() - start) * 1000)
        if i % 20 == 19:
            os.write(fd, b'\x15')  # ^U: a short line
    os.write(fd, b'\x15exit\n')
    try:
        read_until(fd, seen, lambda s: False, timeout=5)
    except (TimeoutError, OSError):
        pass  # EIO once the command has ended
    os.waitpid(pid, 0)
    print(json.dumps({'median': percentile(times, 50), 'p95': percentile(times, 95), 'keys': keys}))


main()
