"""The configuration docs against the schema the server parses with.

`evircd --config-keys` prints the schema of ircd/base/conf.c, one key a line.
doc/configuration.md (a table per section) and doc/ircd.conf.5 (a .TP entry
per key) must list exactly those keys, with the default, range, values and
rehash behaviour the server really has.
"""
import os
import re
import subprocess

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
NUMERIC = ("uint", "size", "port")
RANGE = re.compile(r"(\d+)\s*[–-]\s*(\d+)")


class Key:
    def __init__(self, fields):
        (self.section, self.key, self.type, values, self.default, reload,
         self.doc) = fields
        self.values = values.split("|")
        self.reload = reload == "yes"
        self.required = self.default == "required"
        if self.default in ("-", "required"):
            self.default = None
        if self.type in NUMERIC:
            self.range = tuple(int(n) for n in values.split("-"))

    def __repr__(self):
        return "[%s] %s" % (self.section, self.key)


@pytest.fixture
def schema(evircd_bin):
    r = subprocess.run([evircd_bin, "--config-keys"], capture_output=True, text=True,
                       timeout=20, stdin=subprocess.DEVNULL)
    assert r.returncode == 0, r.stderr
    keys = {}
    for line in r.stdout.splitlines():
        if line.startswith("#"):
            continue
        fields = line.split("\t")
        assert len(fields) == 7, line
        k = Key(fields)
        keys[(k.section, k.key)] = k
    assert len(keys) > 50
    return keys


def read_doc(name):
    with open(os.path.join(ROOT, "doc", name), encoding="utf-8") as f:
        return f.read()


# --------------------------------------------------------------------------
# doc/configuration.md: "## [kind ...]" headings, then a table whose first
# column is the `key`.

@pytest.fixture(scope="module")
def markdown():
    rows, section, header = {}, None, None
    for line in read_doc("configuration.md").splitlines():
        if line.startswith("## "):
            m = re.match(r"## \[(\w+)", line)
            section, header = (m.group(1) if m else None), None
            continue
        if section is None or not line.startswith("|"):
            header = None
            continue
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if header is None:
            header = cells
        elif not set(cells[0]) <= set("-: "):
            m = re.fullmatch(r"`([a-z0-9_]+)`", cells[0])
            assert m, "configuration.md [%s]: row without a `key`: %s" % (section, line)
            rows[(section, m.group(1))] = dict(zip(header, cells))
    return rows


def md_format(row):
    return row.get("format", row.get("range", ""))


def md_first_value(cell):
    """`evircd server` -> evircd server; **yes** -> yes; 0: no STS -> 0."""
    cell = cell.replace("*", "") if not cell.startswith("`") else cell
    m = re.match(r"`([^`]*)`|([^\s:;(]+)", cell)
    return m.group(1) if m.group(1) is not None else m.group(2)


# --------------------------------------------------------------------------
# doc/ircd.conf.5: ".SS [kind ...]" headings, then ".TP" and a tag line with
# the key (".B key", or ".BR a \", \" b" for several), then its text.

ROFF_ESCAPES = [("\\%", ""), ("\\(en", "–"), ("\\-", "-"), ("\\fB", ""), ("\\fI", ""),
                ("\\fR", ""), ("\\fP", "")]


def roff_text(line):
    for esc, plain in ROFF_ESCAPES:
        line = line.replace(esc, plain)
    if not line.startswith("."):
        return line
    macro, _, rest = line.partition(" ")
    args = [a or b for a, b in re.findall(r'"([^"]*)"|(\S+)', rest)]
    return (" " if macro in (".B", ".I") else "").join(args)


@pytest.fixture(scope="module")
def manpage():
    entries, section, heading = {}, None, ""
    lines = read_doc("ircd.conf.5").splitlines()
    i = 0
    while i < len(lines):
        line = lines[i]
        if line.startswith(".SH") or line.startswith(".SS"):
            m = re.match(r"\.SS \[(\w+)", line)
            section, heading = (m.group(1) if m else None), line
        if section is not None and line == ".TP":
            keys = re.findall(r"[a-z0-9_]+", roff_text(lines[i + 1]))
            j = i + 2
            while j < len(lines) and not re.match(r"\.(TP|SS|SH)\b", lines[j]):
                j += 1
            text = " ".join(roff_text(l) for l in lines[i + 2:j])
            for key in keys:
                entries[(section, key)] = {"heading": heading, "text": text}
            i = j
            continue
        i += 1
    return entries


# --------------------------------------------------------------------------

def report(what, wrong):
    return "%s:\n" % what + "\n".join("  " + " | ".join(str(x) for x in w) for w in wrong)


def documented(schema, *docs):
    """(key, entries...) of the keys every doc has: the two tests above report the rest."""
    for name, k in schema.items():
        if all(name in doc for doc in docs):
            yield (k,) + tuple(doc[name] for doc in docs)


def test_markdown_lists_exactly_the_schema(schema, markdown):
    missing, unknown = sorted(set(schema) - set(markdown)), sorted(set(markdown) - set(schema))
    assert not missing, report("keys missing from doc/configuration.md", missing)
    assert not unknown, report("doc/configuration.md lists keys evircd does not have", unknown)


def test_manpage_lists_exactly_the_schema(schema, manpage):
    missing, unknown = sorted(set(schema) - set(manpage)), sorted(set(manpage) - set(schema))
    assert not missing, report("keys missing from doc/ircd.conf.5", missing)
    assert not unknown, report("doc/ircd.conf.5 lists keys evircd does not have", unknown)


def test_markdown_defaults(schema, markdown):
    wrong = []
    for k, row in documented(schema, markdown):
        cell = row["default"]
        if k.required and not cell.startswith("required"):
            wrong.append((k, cell, "required"))
        elif k.default is not None and md_first_value(cell) != k.default:
            wrong.append((k, cell, k.default))
    assert not wrong, report("doc/configuration.md default (key | doc | schema)", wrong)


def test_manpage_defaults(schema, manpage):
    wrong = []
    for k, entry in documented(schema, manpage):
        text = entry["text"]
        said = re.search(r"[Dd]efault:?\s+(.*)", text)
        if k.required and "Required" not in text:
            wrong.append((k, text, "required"))
        elif k.default is not None and not (said and said.group(1).startswith(k.default)):
            wrong.append((k, text, k.default))
    assert not wrong, report("doc/ircd.conf.5 default (key | doc | schema)", wrong)


def test_ranges(schema, markdown, manpage):
    wrong = []
    for k, row, entry in documented(schema, markdown, manpage):
        if k.type not in NUMERIC:
            continue
        for doc, text in (("md", md_format(row)), ("man", entry["text"])):
            m = RANGE.search(text)
            if not m or (int(m.group(1)), int(m.group(2))) != k.range:
                wrong.append((doc, k, text, k.range))
    assert not wrong, report("range (doc | key | doc text | schema)", wrong)


def test_values_of_enums_and_booleans(schema, markdown, manpage):
    wrong = []
    for k, row, entry in documented(schema, markdown, manpage):
        md, man = md_format(row), entry["text"]
        if k.type in ("enum", "privileges"):
            quoted = " ".join(re.findall(r"`([^`]*)`", md)).split()
            for value in k.values:
                if value not in quoted:
                    wrong.append(("md", k, md, value))
                if not re.search(r"(^|\W)%s(\W|$)" % re.escape(value), man):
                    wrong.append(("man", k, man, value))
        if k.type == "bool":
            if "format" in row and md != "boolean":
                wrong.append(("md", k, md, "boolean"))
            if not man.startswith("Boolean"):
                wrong.append(("man", k, man, "Boolean"))
    assert not wrong, report("values (doc | key | doc text | schema)", wrong)


def test_rehash_behaviour(schema, markdown, manpage):
    """A key that only a restart applies says so: "no" in the md rehash column,
    "(start)" at the key or "start only" at its section in the man page."""
    wrong = []
    for k, row, entry in documented(schema, markdown, manpage):
        said = row["rehash"]
        if said.startswith("yes") != k.reload:
            wrong.append(("md", k, said, k.reload))
        start = "(start)" in entry["text"] or "start only" in entry["heading"]
        if start == k.reload:
            wrong.append(("man", k, entry["text"], k.reload))
    assert not wrong, report("rehash (doc | key | doc text | schema reloads)", wrong)


def test_relative_path_keys(schema):
    """The format section names every key whose relative path is resolved."""
    text = " ".join(read_doc("configuration.md").split())
    m = re.search(r"Relative paths \(([^)]*)\) resolve", text)
    assert m, "configuration.md: no 'Relative paths (...) resolve' sentence"
    listed = set(re.findall(r"`([a-z_]+)`", m.group(1)))
    assert listed == {k.key for k in schema.values() if k.type == "path"}
