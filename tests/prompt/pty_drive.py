#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""Drive a program through a real pseudo-terminal, like a person would.

    pty_drive.py --user USER [--timeout S] [--log FILE] [--intr-ignored] SCRIPT -- COMMAND...

COMMAND runs as USER (uid, gid, supplementary groups) in a new session whose
controlling terminal is the pty, so sudo sees a tty (PAM_TTY=/dev/pts/N) and
Ctrl-C (byte 0x03) reaches it as SIGINT through the line discipline.
COMMAND starts with SIGINT and SIGQUIT at their default disposition, or
ignored with --intr-ignored (as a background job of a non-interactive shell
starts), whatever this script itself inherited.

SCRIPT has one step per line:
    expect REGEX      wait (bounded by --timeout) until the output matches;
                      named groups (?P<name>...) become $M_name for `run`
    send TEXT         type TEXT and Enter
    intr              type Ctrl-C
    run SHELL         run a shell command here (not in the pty) and go on;
                      it must succeed
    sleep SECONDS
    absent REGEX      the whole output so far must not match
    exit STATUS       wait for the end: STATUS is a number, "nonzero" (an
                      exit status other than 0 or death by a signal) or "any"
    within SECONDS    the program must have ended within SECONDS of the start

Exit status 0 when every step held, 1 otherwise (the transcript is printed
to stderr, and to --log). Standard library only.
"""
import argparse
import os
import pty
import pwd
import re
import select
import signal
import subprocess
import sys
import time


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--user", required=True)
    ap.add_argument("--timeout", type=float, default=30.0)
    ap.add_argument("--log")
    ap.add_argument("--intr-ignored", action="store_true")
    ap.add_argument("script")
    ap.add_argument("command", nargs=argparse.REMAINDER)
    a = ap.parse_args()
    cmd = a.command[1:] if a.command and a.command[0] == "--" else a.command
    if not cmd:
        ap.error("no command")
    with open(a.script, encoding="utf-8") as f:
        steps = [ln.rstrip("\n") for ln in f if ln.strip() and not ln.startswith("#")]

    pw = pwd.getpwnam(a.user)
    start = time.monotonic()
    pid, fd = pty.fork()
    if pid == 0:
        try:
            os.initgroups(pw.pw_name, pw.pw_gid)
            os.setgid(pw.pw_gid)
            os.setuid(pw.pw_uid)
            env = {"PATH": "/usr/sbin:/usr/bin:/sbin:/bin", "HOME": pw.pw_dir, "USER": pw.pw_name,
                   "LOGNAME": pw.pw_name, "TERM": "xterm", "LANG": "C"}
            os.chdir("/")
            disp = signal.SIG_IGN if a.intr_ignored else signal.SIG_DFL
            signal.signal(signal.SIGINT, disp)
            signal.signal(signal.SIGQUIT, disp)
            os.execvpe(cmd[0], cmd, env)
        except Exception as e:  # noqa: BLE001 - report anything, then die
            os.write(2, f"pty_drive: exec {cmd[0]}: {e}\n".encode())
        os._exit(127)

    out = bytearray()
    status = None
    ended = None
    env = dict(os.environ)
    ok = True
    why = ""

    def pump(wait):
        """Reads what the program wrote, waiting at most `wait` seconds."""
        nonlocal status, ended
        r, _, _ = select.select([fd], [], [], wait)
        if r:
            try:
                data = os.read(fd, 4096)
            except OSError:
                data = b""
            if data:
                out.extend(data)
                return True
        if status is None:
            p, st = os.waitpid(pid, os.WNOHANG)
            if p == pid:
                status = st
                ended = time.monotonic()
        return False

    def text():
        return out.decode("utf-8", "replace")

    for step in steps:
        verb, _, arg = step.partition(" ")
        deadline = time.monotonic() + a.timeout
        if verb == "expect":
            rx = re.compile(arg, re.M)
            m = None
            while True:
                m = rx.search(text())
                if m or time.monotonic() > deadline:
                    break
                if not pump(0.1) and status is not None:
                    # drain what is left, then one last look
                    while pump(0.05):
                        pass
                    m = rx.search(text())
                    break
            if not m:
                ok, why = False, f"expected /{arg}/"
                break
            for k, v in m.groupdict().items():
                if v is not None:
                    env["M_" + k] = v
        elif verb == "send":
            os.write(fd, arg.encode() + b"\r")
        elif verb == "intr":
            os.write(fd, b"\x03")
        elif verb == "sleep":
            end = time.monotonic() + float(arg)
            while time.monotonic() < end:
                pump(0.05)
        elif verb == "run":
            res = subprocess.run(["bash", "-c", arg], env=env, stdin=subprocess.DEVNULL,
                                 capture_output=True, text=True, check=False)
            sys.stderr.write(res.stdout + res.stderr)
            if res.returncode != 0:
                ok, why = False, f"run failed ({res.returncode}): {arg}"
                break
        elif verb == "absent":
            while pump(0.05):
                pass
            if re.search(arg, text(), re.M):
                ok, why = False, f"/{arg}/ must not appear"
                break
        elif verb == "exit":
            while status is None and time.monotonic() < deadline:
                pump(0.1)
            while pump(0.05):
                pass
            if status is None:
                ok, why = False, "the program did not end"
                diag = subprocess.run(["ps", "-o", "pid,stat,wchan:32,args", "--ppid", str(pid), "-p", str(pid)],
                                      capture_output=True, text=True, check=False)
                sys.stderr.write(diag.stdout)
                break
            code = os.waitstatus_to_exitcode(status)
            if arg == "nonzero":
                good = code != 0
            elif arg == "any":
                good = True
            else:
                good = code == int(arg)
            if not good:
                ok, why = False, f"exit status {code} (negative: signal), wanted {arg}"
                break
        elif verb == "within":
            if status is None or ended - start > float(arg):
                took = (ended or time.monotonic()) - start
                ok, why = False, f"the program ran {took:.1f} s (limit {arg} s)"
                break
        else:
            ok, why = False, f"unknown step {verb}"
            break

    if status is None:
        try:
            os.kill(pid, 9)
        except ProcessLookupError:
            pass
        os.waitpid(pid, 0)
    os.close(fd)
    took = time.monotonic() - start
    transcript = text().replace("\r\n", "\n")
    report = f"--- transcript ({took:.1f} s) ---\n{transcript}\n--- {'ok' if ok else 'FAILED: ' + why} ---\n"
    sys.stderr.write(report)
    if a.log:
        with open(a.log, "a", encoding="utf-8") as f:
            f.write(report)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
