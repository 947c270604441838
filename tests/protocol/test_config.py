"""evircd -t (config check), relative paths, and SIGTERM shutdown."""
import os
import re
import subprocess


def write(tmp_path, conf_tools, sections=None, extra=""):
    port = conf_tools.free_port()
    path = conf_tools.write_config(str(tmp_path), port, sections, extra)
    return path


def line_of(path, text):
    with open(path) as f:
        for i, line in enumerate(f, 1):
            if line.rstrip("\n") == text:
                return i
    raise AssertionError("%r not in %s" % (text, path))


def check(binary, path):
    return subprocess.run([binary, "-t", "-c", path], capture_output=True, text=True,
                          timeout=20, stdin=subprocess.DEVNULL)


def assert_no_sanitizer(r):
    for mark in ("AddressSanitizer", "runtime error:", "LeakSanitizer"):
        assert mark not in r.stderr, r.stderr


def test_check_good_config(tmp_path, conf_tools, evircd_bin):
    path = write(tmp_path, conf_tools)
    r = check(evircd_bin, path)
    assert r.returncode == 0, r.stderr
    assert_no_sanitizer(r)


def test_check_example_config_shape(tmp_path, conf_tools, evircd_bin):
    """The test config with a password auth block and small limits is valid too."""
    path = write(tmp_path, conf_tools, {
        "class default": {"ping_frequency": "1", "connection_timeout": "1"},
        "auth everyone": {"password": "letmein"},
        "limits": {"nicklen": "9", "max_targets": "1", "max_list": "1"},
    })
    r = check(evircd_bin, path)
    assert r.returncode == 0, r.stderr


def test_check_bad_port(tmp_path, conf_tools, evircd_bin):
    path = write(tmp_path, conf_tools, {"listen v4": {"port": "abc"}})
    n = line_of(path, "port = abc")
    r = check(evircd_bin, path)
    assert r.returncode != 0
    assert "%s:%d: port:" % (path, n) in r.stderr, r.stderr
    assert_no_sanitizer(r)


def test_check_port_out_of_range(tmp_path, conf_tools, evircd_bin):
    path = write(tmp_path, conf_tools, {"listen v4": {"port": "70000"}})
    n = line_of(path, "port = 70000")
    r = check(evircd_bin, path)
    assert r.returncode != 0
    assert "%s:%d: port:" % (path, n) in r.stderr, r.stderr


def test_check_unknown_class_key(tmp_path, conf_tools, evircd_bin):
    path = write(tmp_path, conf_tools, {"class default": {"bogus_key": "1"}})
    n = line_of(path, "bogus_key = 1")
    r = check(evircd_bin, path)
    assert r.returncode != 0
    assert "%s:%d: bogus_key:" % (path, n) in r.stderr, r.stderr


def test_check_recvq_below_minimum(tmp_path, conf_tools, evircd_bin):
    path = write(tmp_path, conf_tools, {"class default": {"recvq": "1000"}})
    n = line_of(path, "recvq = 1000")
    r = check(evircd_bin, path)
    assert r.returncode != 0
    assert "%s:%d: recvq:" % (path, n) in r.stderr, r.stderr


def test_check_reports_every_bad_line(tmp_path, conf_tools, evircd_bin):
    path = write(tmp_path, conf_tools, {"listen v4": {"port": "abc"}, "class default": {"recvq": "1000"}})
    r = check(evircd_bin, path)
    assert r.returncode != 0
    assert "%s:%d: port:" % (path, line_of(path, "port = abc")) in r.stderr, r.stderr
    assert "%s:%d: recvq:" % (path, line_of(path, "recvq = 1000")) in r.stderr, r.stderr
    problems = [l for l in r.stderr.splitlines() if re.match(re.escape(path) + r":\d+: ", l)]
    assert len(problems) == 2, r.stderr


def test_check_bad_limit(tmp_path, conf_tools, evircd_bin):
    path = write(tmp_path, conf_tools, {"limits": {"nicklen": "zero"}})
    n = line_of(path, "nicklen = zero")
    r = check(evircd_bin, path)
    assert r.returncode != 0
    assert "%s:%d: nicklen:" % (path, n) in r.stderr, r.stderr


def test_check_does_not_listen(tmp_path, conf_tools, evircd_bin):
    import socket
    port = conf_tools.free_port()
    path = conf_tools.write_config(str(tmp_path), port)
    r = check(evircd_bin, path)
    assert r.returncode == 0
    s = socket.socket()
    try:
        s.settimeout(1)
        assert s.connect_ex(("127.0.0.1", port)) != 0
    finally:
        s.close()


def test_relative_paths_resolve_against_config_folder(make_server):
    srv = make_server()
    c = srv.client().register("relpath")
    assert [m.command for m in c.welcome][-1] == "376"  # ircd.motd was found
    assert os.path.exists(os.path.join(srv.dir, "evircd.db"))
    assert not os.path.exists(os.path.join(srv.cwd, "evircd.db"))


def test_sigterm_sends_error_and_exits_0(make_server):
    srv = make_server()
    reg = srv.client().register("sigterm")
    reg.send("JOIN #shutdown")
    reg.expect("366")
    unreg = srv.client()
    unreg.send("NICK notyet")
    unreg.sync()
    srv.sigterm()
    for c in (reg, unreg):
        lines = c.expect_closed(timeout=5)
        assert any(m.command == "ERROR" for m in lines), lines
    assert srv.wait_exit() == 0, srv.stderr_text()
    # make_server's teardown checks the sanitizer output


def test_check_web_gateway_keys(tmp_path, conf_tools, evircd_bin):
    """[listen] proxy/proxies/origins and [webirc]: accepted, and errors name file:line."""
    good = write(tmp_path, conf_tools, {
        "listen web": {"host": "127.0.0.1", "port": "8097", "type": "websocket",
                       "origins": "https://chat.example.org, http://localhost:*",
                       "proxies": "127.0.0.1, 10.0.0.0/8"},
        "listen lb": {"host": "127.0.0.1", "port": "6698", "proxy": "yes", "proxies": "::1"},
        "webirc kiwi": {"password": "secret", "hosts": "192.0.2.0/24 2001:db8::1"},
    })
    r = check(evircd_bin, good)
    assert r.returncode == 0, r.stderr
    bad = write(tmp_path, conf_tools, {"listen web": {"port": "8097", "type": "websocket",
                                                      "proxies": "10.0.0.0/8 proxy.example"}})
    r = check(evircd_bin, bad)
    assert r.returncode != 0
    assert "%s:%d: proxies: 'proxy.example' is not an IP address or CIDR range" % (
        bad, line_of(bad, "proxies = 10.0.0.0/8 proxy.example")) in r.stderr, r.stderr
    for sections, want in [
        ({"listen v4": {"origins": "https://a.example"}}, "origins needs type = websocket"),
        ({"listen v4": {"proxies": "127.0.0.1"}}, "proxies needs proxy = yes or type = websocket"),
        ({"webirc gw": {"hosts": "127.0.0.1"}}, "[webirc gw] needs password and hosts"),
        ({"webirc gw": {"password": "x", "hosts": "gateway.example"}}, "is not an IP address"),
    ]:
        path = write(tmp_path, conf_tools, sections)
        r = check(evircd_bin, path)
        assert r.returncode != 0 and want in r.stderr, (sections, r.stderr)
        assert_no_sanitizer(r)
