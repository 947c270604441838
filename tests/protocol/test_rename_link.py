"""RENAME while linked: TS6 has no RENAME, so a linked server refuses it."""
from ts6 import free_port


def test_rename_refused_while_linked(make_server, ts6_peer):
    port = free_port()
    ev = make_server({
        "server": {"name": "irc.test", "sid": "1EV"},
        "listen servers": {"host": "127.0.0.1", "port": str(port), "type": "servers"},
        "link peer.test": {"host": "127.0.0.1", "port": str(free_port()),
                           "dialect": "charybdis", "send_password": "linkpass",
                           "accept_password": "linkpass", "autoconnect": "no"},
    })
    alice = ev.client().register("alice")
    alice.join("#ren")
    peer = ts6_peer("peer.test", "9PE", dialect="charybdis")
    peer.connect(port).link()
    alice.send("RENAME #ren #ren2")
    fail = alice.expect("FAIL")
    assert fail.params[:4] == ["RENAME", "CANNOT_RENAME", "#ren", "#ren2"]
    assert "linked" in fail.params[-1]
    alice.send("NAMES #ren")
    assert alice.expect("366").params[1] == "#ren"
    peer.close()
