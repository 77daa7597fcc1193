#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""Ctrl-C at random moments of sudo's approval wait, many times over.

    intr_stress.py --user USER --runs N [--seed S] [--max-delay S]
                   [--grace S] [--deadline S] -- COMMAND...

Each run starts COMMAND as USER on a fresh pseudo-terminal (like
pty_drive.py), waits for the reason question, types a reason and then,
after a random delay of 0..--max-delay seconds (filing, the messages, the
first wait round), types Ctrl-C. The run must end within --grace seconds
of the Ctrl-C with a non-zero status and without COMMAND's output
(RAN-COMMAND), and once the request was filed, say it was cancelled; a
run that is still waiting then is a lost Ctrl-C. The
whole series is bounded by --deadline. Prints one summary line; exit 0 when
no Ctrl-C was lost and every run was refused. Standard library only.
"""
import argparse
import os
import pty
import pwd
import random
import select
import sys
import time


def spawn(pw, cmd):
    pid, fd = pty.fork()
    if pid == 0:
        try:
            os.initgroups(pw.pw_name, pw.pw_gid)
            os.setgid(pw.pw_gid)
            os.setuid(pw.pw_uid)
            env = {"PATH": "/usr/sbin:/usr/bin:/sbin:/bin", "HOME": pw.pw_dir, "USER": pw.pw_name,
                   "LOGNAME": pw.pw_name, "TERM": "xterm", "LANG": "C"}
            os.chdir("/")
            os.execvpe(cmd[0], cmd, env)
        except Exception as e:  # noqa: BLE001 - report anything, then die
            os.write(2, f"intr_stress: exec {cmd[0]}: {e}\n".encode())
        os._exit(127)
    return pid, fd


class Run:
    def __init__(self, pid, fd):
        self.pid, self.fd, self.out, self.status = pid, fd, bytearray(), None

    def pump(self, wait):
        r, _, _ = select.select([self.fd], [], [], wait)
        if r:
            try:
                data = os.read(self.fd, 4096)
            except OSError:
                data = b""
            self.out.extend(data)
        if self.status is None:
            p, st = os.waitpid(self.pid, os.WNOHANG)
            if p == self.pid:
                self.status = st

    def until(self, pred, seconds):
        end = time.monotonic() + seconds
        while not pred() and time.monotonic() < end:
            self.pump(0.02)
        return pred()

    def finish(self):
        if self.status is None:
            try:
                os.kill(self.pid, 9)
            except ProcessLookupError:
                pass
            os.waitpid(self.pid, 0)
        os.close(self.fd)

    def text(self):
        return self.out.decode("utf-8", "replace").replace("\r\n", "\n")


def phase(text):
    """Where the Ctrl-C landed, from what the module said."""
    if "no request filed" in text:
        return "at-question"
    if "request r_" not in text:
        return "while-filing"
    if "cancelled" not in text:
        return "while-waiting-not-cancelled"
    return "while-waiting"


def one(pw, cmd, delay, grace):
    """(outcome, seconds from Ctrl-C to the end, transcript)."""
    run = Run(*spawn(pw, cmd))
    try:
        if not run.until(lambda: b"Reason for" in run.out, 20):
            return "no-question", 0.0, run.text()
        os.write(run.fd, b"stress test of ctrl-c\r")
        end = time.monotonic() + delay
        while time.monotonic() < end and run.status is None:
            run.pump(max(0.0, min(0.02, end - time.monotonic())))
        if run.status is not None:
            return "ended-before-intr", 0.0, run.text()
        os.write(run.fd, b"\x03")
        sent = time.monotonic()
        run.until(lambda: run.status is not None, grace)
        took = time.monotonic() - sent
        if run.status is None:
            return "lost", took, run.text()
        while True:                  # what is left in the pty
            before = len(run.out)
            run.pump(0.02)
            if len(run.out) == before:
                break
        if os.waitstatus_to_exitcode(run.status) == 0 or "RAN-COMMAND" in run.text():
            return "allowed", took, run.text()
        return "refused-" + phase(run.text()), took, run.text()
    finally:
        run.finish()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--user", required=True)
    ap.add_argument("--runs", type=int, default=200)
    ap.add_argument("--seed", type=int, default=int(time.time()))
    ap.add_argument("--max-delay", type=float, default=1.2)
    ap.add_argument("--grace", type=float, default=8.0)
    ap.add_argument("--deadline", type=float, default=900.0)
    ap.add_argument("command", nargs=argparse.REMAINDER)
    a = ap.parse_args()
    cmd = a.command[1:] if a.command and a.command[0] == "--" else a.command
    if not cmd:
        ap.error("no command")
    pw = pwd.getpwnam(a.user)
    rnd = random.Random(a.seed)
    counts, worst, start, bad = {}, 0.0, time.monotonic(), 0
    done = 0
    for i in range(a.runs):
        if time.monotonic() - start > a.deadline:
            break
        delay = rnd.uniform(0.0, a.max_delay)
        outcome, took, transcript = one(pw, cmd, delay, a.grace)
        done += 1
        counts[outcome] = counts.get(outcome, 0) + 1
        worst = max(worst, took)
        if not outcome.startswith("refused") or outcome.endswith("not-cancelled"):
            bad += 1
            sys.stderr.write(f"--- run {i}: {outcome} (Ctrl-C {delay:.3f} s after the reason) ---\n"
                             f"{transcript}\n")
    total = time.monotonic() - start
    summary = " ".join(f"{k}={v}" for k, v in sorted(counts.items()))
    print(f"intr_stress: seed={a.seed} runs={done}/{a.runs} {summary} "
          f"slowest-end-after-ctrl-c={worst:.2f}s total={total:.0f}s")
    return 0 if bad == 0 and done == a.runs else 1


if __name__ == "__main__":
    sys.exit(main())
