"""Conformance with a TS6 link: RENAME is refused, UTF8ONLY holds for what peers relay."""
from ts6 import free_port


def linked_server(make_server):
    port = free_port()
    ev = make_server({
        "server": {"name": "irc.test", "sid": "1EV"},
        "listen servers": {"host": "127.0.0.1", "port": str(port), "type": "servers"},
        "link peer.test": {"host": "127.0.0.1", "port": str(free_port()),
                           "dialect": "charybdis", "send_password": "linkpass",
                           "accept_password": "linkpass", "autoconnect": "no"},
    })
    ev.link_port = port
    return ev


def test_rename_refused_while_linked(make_server, ts6_peer):
    ev = linked_server(make_server)
    alice = ev.client().register("alice")
    alice.join("#ren")
    peer = ts6_peer("peer.test", "9PE", dialect="charybdis")
    peer.connect(ev.link_port).link()
    alice.send("RENAME #ren #ren2")
    fail = alice.expect("FAIL")
    assert fail.params[:4] == ["RENAME", "CANNOT_RENAME", "#ren", "#ren2"]
    assert "linked" in fail.params[-1]
    alice.send("NAMES #ren")
    assert alice.expect("366").params[1] == "#ren"
    peer.close()


def test_non_utf8_from_a_peer_is_not_relayed(make_server, ts6_peer):
    """UTF8ONLY: no non-UTF-8 bytes reach clients, whoever sent them."""
    ev = linked_server(make_server)
    alice = ev.client().register("alice")
    assert "UTF8ONLY" in alice.isupport()
    peer = ts6_peer("peer.test", "9PE", dialect="charybdis")
    bob = peer.user("bob")
    peer.connect(ev.link_port).link(users=[bob])
    alice_uid = peer.uid_of("alice")
    peer.sock.sendall((":%s PRIVMSG %s :caf" % (bob.uid, alice_uid)).encode() + b"\xe9 ok\r\n")
    raw = alice.recv_raw_line()
    while b"PRIVMSG" not in raw:
        raw = alice.recv_raw_line()
    assert raw.endswith(b"PRIVMSG alice :caf? ok"), raw
    peer.close()
