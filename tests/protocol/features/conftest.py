"""Fixtures for feature tests: a fresh evircd per test module or per test."""
import pytest

from ircclient import Server


@pytest.fixture
def make_server(tmp_path):
    """make_server(extra_config) -> a started Server; all stopped at teardown."""
    started = []

    def make(extra="", **kw):
        directory = tmp_path / ("s%d" % len(started))
        directory.mkdir(exist_ok=True)
        s = Server(directory, extra, **kw)
        started.append(s)
        return s.start()

    yield make
    for s in started:
        s.stop()


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    s = Server(tmp_path_factory.mktemp("evircd"))
    s.start()
    yield s
    s.stop()
