"""Atheme 7.2 services (Debian's atheme-services) on loopback, for the linking tests.

    a = Atheme(uplink="ev.test", uplink_port=port, password="svcpass",
               name="services.test", sid="9AT")
    a.start()          # dials evircd's [listen servers]; returns once synced
    ...
    a.stop()           # SIGTERM by PID, then SIGKILL after 10 s

Its protocol module is `charybdis` (dialects.md section 10): the link is
charybdis-dialect, logins come as ENCAP * SU and SASL is relayed to its
SaslServ. The config below is written whole (a few modules: NickServ
register/identify/logout, SaslServ PLAIN and AUTHCOOKIE). Atheme needs none
of root's rights: when we are root it runs as nobody (setpriv execs, so the
PID we hold is Atheme's), in the foreground (-n).
"""
import os
import pwd
import shutil
import subprocess
import tempfile
import time

import ts6

ATHEME = "/usr/bin/atheme-services"

CONF = """\
loadmodule "modules/protocol/charybdis";
loadmodule "modules/backend/opensex";
loadmodule "modules/crypto/posix";
loadmodule "modules/nickserv/main";
loadmodule "modules/nickserv/register";
loadmodule "modules/nickserv/identify";
loadmodule "modules/nickserv/logout";
loadmodule "modules/saslserv/main";
loadmodule "modules/saslserv/plain";
loadmodule "modules/saslserv/authcookie";

serverinfo {{
	name = "{name}";
	desc = "Atheme for evircd tests";
	numeric = "{sid}";
	recontime = 10;
	netname = "TestNet";
	hidehostsuffix = "users.test";
	adminname = "evircd tests";
	adminemail = "admin@example.test";
	registeremail = "noreply@example.test";
	auth = none;
	mta = "/bin/true";
	loglevel = {{ admin; error; info; network; wallops; }};
	maxlogins = 5;
	maxusers = 5;
	mdlimit = 30;
	emaillimit = 10;
	emailtime = 300;
	casemapping = rfc1459;
}};

uplink "{uplink}" {{
	host = "127.0.0.1";
	password = "{password}";
	port = {port};
}};

nickserv {{
	nick = "NickServ";
	user = "NickServ";
	host = "services.int";
	real = "Nickname Services";
}};

saslserv {{
	nick = "SaslServ";
	user = "SaslServ";
	host = "services.int";
	real = "SASL Authentication Agent";
}};

logfile "{dir}/atheme.log" {{ error; info; admin; network; wallops; }};

general {{
	uflags = {{ hidemail; }};
	cflags = {{ guard; verbose; }};
	flood_msgs = 7;
	flood_time = 10;
	kline_time = 7;
	commit_interval = 5;
	expire = 30;
}};
"""


def missing():
    """Why Atheme cannot run here, or None."""
    if not os.access(ATHEME, os.X_OK):
        return "Debian's atheme-services is not installed (tools/deps.sh test installs it)"
    if os.getuid() == 0 and shutil.which("setpriv") is None:
        return "setpriv (util-linux) is needed to run atheme as nobody"
    return None


class Atheme:
    def __init__(self, uplink, uplink_port, password, name="services.test", sid="9AT",
                 keep_dir=None):
        self.uplink, self.uplink_port, self.password = uplink, uplink_port, password
        self.name, self.sid = name, sid
        self.keep_dir = keep_dir
        self.dir = None
        self.proc = None
        self.output = None
        self.final_log = ""

    def start(self, timeout=20):
        """Write the config, start Atheme; returns once it synced with its uplink."""
        self.dir = tempfile.mkdtemp(prefix="evircd-atheme-")
        os.mkdir(os.path.join(self.dir, "data"))
        conf = os.path.join(self.dir, "atheme.conf")
        with open(conf, "w") as f:
            f.write(CONF.format(name=self.name, sid=self.sid, uplink=self.uplink,
                                password=self.password, port=self.uplink_port, dir=self.dir))
        cmd = [ATHEME, "-n", "-c", conf, "-D", os.path.join(self.dir, "data"),
               "-p", os.path.join(self.dir, "atheme.pid"), "-l", os.path.join(self.dir, "main.log")]
        if os.getuid() == 0:
            nobody = pwd.getpwnam("nobody")
            for root, dirs, files in os.walk(self.dir):
                for p in [root] + [os.path.join(root, x) for x in dirs + files]:
                    os.chown(p, nobody.pw_uid, nobody.pw_gid)
            cmd = ["setpriv", "--reuid=nobody", "--regid=nogroup", "--clear-groups"] + cmd
        self.output = open(os.path.join(self.dir, "output.log"), "w")
        self.proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=self.output,
                                     stderr=subprocess.STDOUT, cwd=self.dir)
        deadline = time.monotonic() + timeout
        while "finished synching with uplink" not in self.log():
            if self.proc.poll() is not None or time.monotonic() > deadline:
                why = ("exited with %s" % self.proc.returncode if self.proc.poll() is not None
                       else "not synced after %s s" % timeout)
                text = self.log()
                self.stop()
                raise RuntimeError("atheme %s:\n%s" % (why, text))
            time.sleep(0.05)
        return self

    def log(self):
        if self.dir is None:
            return self.final_log
        try:
            with open(os.path.join(self.dir, "output.log"), errors="replace") as f:
                return f.read()
        except OSError:
            return ""

    def stop(self):
        """SIGTERM by PID, wait up to 10 s (then SIGKILL); keep the log."""
        ts6.stop_process(self.proc)
        if self.output is not None:
            self.output.close()
            self.output = None
        if self.dir is not None:
            self.final_log = self.log()
            if self.keep_dir is not None:
                with open(os.path.join(str(self.keep_dir), "atheme-%s.log" % self.name), "w") as f:
                    f.write(self.final_log)
            shutil.rmtree(self.dir, ignore_errors=True)
            self.dir = None
