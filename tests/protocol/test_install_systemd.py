"""The installed systemd unit starts, reloads and stops evircd, under a real systemd.

"make install DESTDIR=..." from the build folder of the binary under test,
then a real systemd (/lib/systemd/systemd, the distribution's) boots as PID 1
of its own PID, mount, network, UTS, IPC and cgroup namespaces, in a small
root made for the test: /usr is the machine's, read-only, with the DESTDIR's
usr/local mounted over /usr/local (the default prefix, so the unit, the
server, the configuration and the state and log folders are exactly as
installed); /etc holds copies of the machine's user database and a one-line
boot target; /run, /var, /tmp and /dev are the namespace's own. This is what
"systemctl start evircd" does on a host, minus the rest of the boot: the unit
file is not edited or emulated, and its sandboxing (ProtectSystem=strict,
PrivateDevices, SystemCallFilter, ...) is applied by systemd itself.

In there: systemd-sysusers makes the user from the installed sysusers.d
entry; "systemctl start evircd" runs the unit and returns once the server
has said READY=1 (Type=notify); at once, a client registers on the
installed configuration's port (the server has the namespace's loopback to
itself, so the installed ports clash with nothing on the machine) and gets
the installed MOTD; the server runs as the user evircd with its state and log
under the installed statedir and logdir; a file dropped in conf.d/ and
"systemctl reload evircd" (SIGHUP) change what ADMIN says without dropping
the client; "systemctl stop evircd" closes the client's connection and ends
the unit cleanly. The installed logrotate snippet's postrotate command
makes it open a new log file. Its log lines reach the journal with their
priority and without a second time stamp. A bad file in conf.d/ makes
"systemctl start" fail, with the file:line in the journal.

The only addition to what is installed: with ./tools/test's ASan build, a
drop-in turns LeakSanitizer off (its exit check needs ptrace, which the
unit's SystemCallFilter= denies).

Needs root (namespaces, mounts, a cgroup) and a cgroup v2 hierarchy the test
can make a folder in; skipped without them. Everything it starts is in the
namespaces: the namespace's PID 1 is asked to power off, and killed with its
whole PID namespace if it does not, by PID. The test's cgroup folder is
removed after.
"""
import ctypes
import os
import re
import shutil
import signal
import socket
import subprocess
import threading
import time

import pytest

from test_install import build_dir, configured, make_install

SYSTEMD = "/lib/systemd/systemd"
BOOT_TIMEOUT = 60
CLONE_NEWNET = 0x40000000
PR_SET_PDEATHSIG = 1

# Runs as PID 1 of the new namespaces, then becomes systemd. $1 is the DESTDIR,
# $2 the folder for the root, $3 a file that is the namespace's /dev/console,
# $4 a folder whose contents go in /etc/systemd/system (drop-ins).
BOOT = r"""
set -eu
dest=$1 root=$2 console=$3 units=$4
mount --make-rprivate /
mkdir -p "$root"
mount -t tmpfs -o mode=0755 tmpfs "$root"
cd "$root"
mkdir -p usr etc/systemd/system var/lib var/log var/tmp run tmp proc sys dev root home
chmod 1777 tmp var/tmp
for d in bin lib lib64 sbin; do [ -e /$d ] && ln -s usr/$d $d; done
mount --rbind /usr usr
mount -o remount,bind,ro usr
mount --bind "$dest/usr/local" usr/local
for f in passwd group shadow gshadow nsswitch.conf hosts ld.so.cache localtime; do
    if [ -e /etc/$f ]; then cp -L /etc/$f etc/; fi
done
ln -s ../usr/lib/os-release etc/os-release
: > etc/machine-id
echo evircd-test > etc/hostname
cat > etc/systemd/system/evircd-test.target <<'EOT'
[Unit]
Description=evircd installed-unit test
Wants=systemd-journald.socket systemd-journald.service
EOT
if [ -d "$units" ]; then cp -R "$units"/. etc/systemd/system/; fi
mount -t proc proc proc
# Sysctls are the machine's (but for the network's): read-only, as
# systemd-nspawn makes them, so this systemd changes none.
mount --bind proc/sys proc/sys
mount -o remount,bind,ro proc/sys
mount --bind /sys sys
mount -o remount,bind,ro sys
mount -t cgroup2 cgroup2 sys/fs/cgroup
mount --rbind /dev dev
# Not the machine's console and kernel log: a file, and nothing.
mount --bind "$console" dev/console
mount --bind /dev/null dev/kmsg
mkdir oldroot
pivot_root . oldroot
umount -l /oldroot
rmdir /oldroot
export container=evircd-test
exec /lib/systemd/systemd --system --unit=evircd-test.target --log-target=console
"""


def cgroup2_mount():
    with open("/proc/self/mountinfo") as f:
        for line in f:
            fields = line.split()
            if fields[fields.index("-") + 1] == "cgroup2":
                return fields[4]
    return None


def need(condition, why):
    if not condition:
        pytest.skip(why)


def _libc():
    return ctypes.CDLL(None, use_errno=True)


def in_netns(pid, fn):
    """fn() run on a thread that joined the network namespace of pid (the
    thread ends after, so the test's own threads keep theirs)."""
    out = {}

    def run():
        fd = os.open("/proc/%d/ns/net" % pid, os.O_RDONLY)
        try:
            if _libc().setns(fd, CLONE_NEWNET) != 0:
                raise OSError(ctypes.get_errno(), "setns")
            out["value"] = fn()
        except BaseException as e:  # handed to the caller
            out["error"] = e
        finally:
            os.close(fd)

    t = threading.Thread(target=run)
    t.start()
    t.join()
    if "error" in out:
        raise out["error"]
    return out["value"]


class Machine:
    """A systemd booted in namespaces, driven with nsenter."""

    def __init__(self, dest, workdir):
        self.dest = str(dest)
        self.workdir = str(workdir)
        self.console = os.path.join(self.workdir, "console.log")
        self.proc = None
        self.pid = None  # systemd, as the machine's PID 1
        self.cgroup = None

    def boot(self):
        base = cgroup2_mount()
        self.cgroup = os.path.join(base, "evircd-unit-test-%d" % os.getpid())
        os.mkdir(self.cgroup)
        open(self.console, "w").close()
        cgroup_procs = os.path.join(self.cgroup, "cgroup.procs")

        def enter():
            # Its own cgroup, which the cgroup namespace then has as root;
            # killed if the test dies (and unshare --kill-child takes the rest).
            with open(cgroup_procs, "w") as f:
                f.write("0")
            _libc().prctl(PR_SET_PDEATHSIG, signal.SIGKILL)

        self.proc = subprocess.Popen(
            ["unshare", "--cgroup", "--pid", "--fork", "--kill-child", "--mount", "--net",
             "--uts", "--ipc", "sh", "-c", BOOT, "boot", self.dest,
             os.path.join(self.workdir, "root"), self.console,
             os.path.join(self.workdir, "etc-units")],
            stdin=subprocess.DEVNULL, stdout=open(os.path.join(self.workdir, "boot.log"), "w"),
            stderr=subprocess.STDOUT, preexec_fn=enter)
        deadline = time.monotonic() + BOOT_TIMEOUT
        state = ""
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                break
            self.pid = self.pid or self._child()
            if self.pid and self._comm(self.pid) == "systemd":
                r = self.run(["systemctl", "is-system-running"], check=False)
                state = r.stdout.strip()
                if state in ("running", "degraded"):
                    return self
            time.sleep(0.2)
        pytest.fail("systemd did not boot (state %r):\n%s\n%s" % (state, self._text("boot.log"),
                                                                  self._text("console.log")))

    def _child(self):
        try:
            with open("/proc/%d/task/%d/children" % (self.proc.pid, self.proc.pid)) as f:
                kids = f.read().split()
        except OSError:
            return None
        return int(kids[0]) if kids else None

    @staticmethod
    def _comm(pid):
        try:
            with open("/proc/%d/comm" % pid) as f:
                return f.read().strip()
        except OSError:
            return ""

    def _text(self, name):
        try:
            with open(os.path.join(self.workdir, name), errors="replace") as f:
                return f.read()[-4000:]
        except OSError:
            return ""

    def run(self, args, check=True, timeout=60):
        """A command inside the machine (all its namespaces, its root)."""
        r = subprocess.run(["nsenter", "-t", str(self.pid), "-a"] + args, capture_output=True,
                           text=True, timeout=timeout, stdin=subprocess.DEVNULL)
        if check:
            assert r.returncode == 0, (args, r.returncode, r.stdout, r.stderr, self.journal())
        return r

    def show(self, unit, *props):
        r = self.run(["systemctl", "show", unit, "-p", ",".join(props)])
        return dict(line.split("=", 1) for line in r.stdout.splitlines() if "=" in line)

    def journal(self, unit="evircd"):
        r = subprocess.run(["nsenter", "-t", str(self.pid), "-a", "journalctl", "-u", unit,
                            "--no-pager", "-o", "cat"], capture_output=True, text=True,
                           timeout=60, stdin=subprocess.DEVNULL) if self.pid else None
        return r.stdout if r is not None else ""

    def connect(self, port, host="127.0.0.1", timeout=5):
        return in_netns(self.pid, lambda: socket.create_connection((host, port), timeout))

    def poweroff(self):
        if self.proc is None:
            return
        if self.proc.poll() is None and self.pid:
            # SIGRTMIN+4: a container's systemd powers off (exits) on it.
            try:
                os.kill(self.pid, signal.SIGRTMIN + 4)
            except ProcessLookupError:
                pass
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                pass
        if self.proc.poll() is None:
            # Killing the namespace's PID 1 kills every process of the
            # namespace (unshare --kill-child would do it too).
            try:
                os.kill(self.pid, signal.SIGKILL)
            except (ProcessLookupError, TypeError):
                pass
            self.proc.kill()
            self.proc.wait(timeout=30)
        self.proc = None

    def remove_cgroup(self):
        if self.cgroup is None or not os.path.isdir(self.cgroup):
            return
        # The namespace's last processes may take a moment to be reaped.
        deadline = time.monotonic() + 30
        while any(open(os.path.join(top, "cgroup.procs")).read().strip()
                  for top, _dirs, _files in os.walk(self.cgroup)):
            if time.monotonic() > deadline:
                break
            time.sleep(0.2)
        for top, dirs, _files in os.walk(self.cgroup, topdown=False):
            for d in dirs:
                try:
                    os.rmdir(os.path.join(top, d))
                except OSError:
                    pass
        os.rmdir(self.cgroup)


@pytest.fixture
def machine(evircd_bin, tmp_path):
    need(os.geteuid() == 0, "needs root: namespaces, mounts, a cgroup")
    for tool in ("unshare", "nsenter", "pivot_root", "systemctl", "journalctl",
                 "systemd-sysusers"):
        need(shutil.which(tool), "%s is not installed" % tool)
    need(os.access(SYSTEMD, os.X_OK), "no %s" % SYSTEMD)
    need(cgroup2_mount(), "no cgroup v2 hierarchy mounted")
    builddir = build_dir(evircd_bin)
    need(configured(builddir, "prefix") == "/usr/local",
         "the build folder is not configured with the default prefix")
    dest = tmp_path / "dest"
    make_install(builddir, dest)
    if "-fsanitize" in configured(builddir, "SAN_CFLAGS"):
        # ./tools/test's ASan build: LeakSanitizer's check at exit needs
        # ptrace, which the unit's SystemCallFilter denies (it then spins).
        # A drop-in, as an operator would add one; the unit file is as installed.
        dropin = tmp_path / "etc-units" / "evircd.service.d"
        dropin.mkdir(parents=True)
        (dropin / "asan.conf").write_text("[Service]\nEnvironment=ASAN_OPTIONS=detect_leaks=0\n")
    m = Machine(dest, tmp_path)
    m.builddir = builddir
    try:
        yield m.boot()
    finally:
        m.poweroff()
        m.remove_cgroup()


def installed_conf(m):
    """The installed ircd.conf's first [listen] port and its [admin] location."""
    text = open(m.dest + configured(m.builddir, "sysconfdir") + "/evircd/ircd.conf").read()
    port = int(re.search(r"^\[listen [^]]*\]\nhost = 127\.0\.0\.1\nport = (\d+)$", text, re.M)
               .group(1))
    location = re.search(r"^location = (.*)$", text, re.M).group(1).strip()
    return port, location


def test_installed_unit_starts_reloads_and_stops_evircd(machine, conf_tools):
    m = machine
    sysconfdir, statedir, logdir = (configured(m.builddir, v)
                                    for v in ("sysconfdir", "statedir", "logdir"))
    port, location = installed_conf(m)

    # The user, from the installed sysusers.d entry, as a package would.
    m.run(["systemd-sysusers", configured(m.builddir, "sysusersdir") + "/evircd.conf"])
    uid = m.run(["id", "-u", "evircd"]).stdout.strip()

    m.run(["systemctl", "start", "evircd"])
    st = m.show("evircd", "ActiveState", "MainPID", "FragmentPath")
    assert st["ActiveState"] == "active", (st, m.journal())
    assert st["FragmentPath"] == configured(m.builddir, "systemdsystemunitdir") + "/evircd.service"
    status = m.run(["cat", "/proc/%s/status" % st["MainPID"]]).stdout
    assert re.search(r"^Uid:\s+%s\s" % uid, status, re.M), status

    class Client(conf_tools.Client):
        def connect(self, timeout=5):
            self.sock = m.connect(self.port, self.host, timeout)
            return self

    # Type=notify: "systemctl start" returned once the server said READY=1,
    # so its listeners are bound already.
    alice = Client(port).connect()
    alice.register("alice")
    motd = [msg.params[-1] for msg in alice.welcome if msg.command == "372"]
    assert motd, alice.seen
    assert alice.welcome[0].source == "irc.evircd.local"

    # State and log where the installed configuration puts them, as the user.
    state = m.dest + statedir
    assert os.stat(state).st_uid == int(uid) and os.stat(state).st_mode & 0o777 == 0o750
    assert os.path.exists(state + "/evircd.db")
    log = m.dest + logdir + "/evircd.log"
    assert os.stat(log).st_uid == int(uid)
    assert "ready" in open(log).read()
    # In the journal: the bare line, its priority as a "<N>" prefix (no time
    # stamp of its own); warnings apart with -p.
    journal = m.journal().splitlines()
    assert re.search(r"^evircd \S+ ready: irc\.evircd\.local \(SID 0EV\)$", "\n".join(journal),
                     re.M), journal
    warnings = m.run(["journalctl", "-u", "evircd", "-p", "warning", "-o", "cat",
                      "--no-pager"]).stdout
    assert "ready" not in warnings

    # Log rotation: the installed logrotate snippet's postrotate command (a
    # SIGUSR1 through systemctl) makes the server open a new log file.
    rotate = open(m.dest + sysconfdir + "/logrotate.d/evircd").read()
    postrotate = re.search(r"postrotate\n\s*(.*?)\n\s*endscript", rotate).group(1)
    os.rename(log, log + ".1")
    m.run(["sh", "-c", postrotate])
    deadline = time.monotonic() + 20
    while not (os.path.exists(log) and "log file reopened" in open(log).read()):
        assert time.monotonic() < deadline, m.journal()
        time.sleep(0.2)
    assert "ready" in open(log + ".1").read()

    # conf.d/ and "systemctl reload": ADMIN says what the new file says.
    alice.send("ADMIN")
    assert alice.expect("258").params[-1] == location
    local = m.dest + sysconfdir + "/evircd/conf.d/test.conf"
    with open(local, "w") as f:
        f.write("[admin]\nlocation = Reloaded by systemctl\n")
    m.run(["chgrp", "evircd", sysconfdir + "/evircd/conf.d/test.conf"])
    os.chmod(local, 0o640)
    m.run(["systemctl", "reload", "evircd"])
    deadline = time.monotonic() + 20
    while True:
        alice.send("ADMIN")
        if alice.expect("258").params[-1] == "Reloaded by systemctl":
            break
        assert time.monotonic() < deadline, m.journal()
        time.sleep(0.2)
    assert m.show("evircd", "MainPID")["MainPID"] == st["MainPID"]

    # "systemctl stop": the client is told, the unit ends without failure.
    m.run(["systemctl", "stop", "evircd"])
    alice.expect_closed()
    st = m.show("evircd", "ActiveState", "Result", "NRestarts")
    assert st == {"ActiveState": "inactive", "Result": "success", "NRestarts": "0"}, (
        st, m.journal())


def test_installed_unit_start_fails_on_a_bad_configuration(machine):
    """Type=notify: a server that exits before READY=1 fails "systemctl start",
    and the journal has the file:line of the problem."""
    m = machine
    sysconfdir = configured(m.builddir, "sysconfdir")
    m.run(["systemd-sysusers", configured(m.builddir, "sysusersdir") + "/evircd.conf"])
    bad = sysconfdir + "/evircd/conf.d/bad.conf"
    with open(m.dest + bad, "w") as f:
        f.write("[server]\nno_such_key = 1\n")
    r = m.run(["systemctl", "start", "evircd"], check=False)
    assert r.returncode != 0, r
    st = m.show("evircd", "ActiveState", "Result")
    assert st["Result"] == "exit-code", st
    assert "%s:2: no_such_key:" % bad in m.journal(), m.journal()
    m.run(["systemctl", "stop", "evircd"])
