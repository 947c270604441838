"""draft/multiline across a server link: the far side gets the lines as messages."""

from test_link import join_both, pair, wait_visible  # noqa: F401 (pair is a fixture)


def ml_client(srv, nick):
    c = srv.client()
    c.nick = nick
    c.send("CAP LS 302")
    c.send("CAP REQ :batch draft/multiline message-tags")
    ack = c.expect(lambda m: m.command == "CAP" and m.params[1] in ("ACK", "NAK"))
    assert ack.params[1] == "ACK", ack
    c.send("CAP END")
    return c.register(nick)


def test_multiline_reaches_members_and_users_behind_the_link(pair):
    a, b = pair
    alice = ml_client(a, "alice")
    bob = b.client().register("bob")
    wait_visible(alice, "bob")
    join_both(alice, bob, "#both")
    alice.send("BATCH +m1 draft/multiline #both")
    for text in ("first line", "", "third line"):
        alice.send("@batch=m1 PRIVMSG #both :%s" % text)
    alice.send("BATCH -m1")
    got = [bob.expect("PRIVMSG") for _ in range(2)]
    assert [(m.nick, m.params) for m in got] == [("alice", ["#both", "first line"]),
                                                ("alice", ["#both", "third line"])]
    alice.send("BATCH +m2 draft/multiline bob")
    alice.send("@batch=m2 PRIVMSG bob :just for you")
    alice.send("BATCH -m2")
    got = bob.expect("PRIVMSG")
    assert got.nick == "alice" and got.params == ["bob", "just for you"]
