"""Sections of docs/benchmarks.md that a separate script owns: kept between
marker comments so that each generator rewrites only its own part, and
bench/summarise.py (which writes the whole page) carries them over."""
import os


def markers(name):
    return f"<!-- section {name}: begin -->", f"<!-- section {name}: end -->"


def extract(text, name):
    """The marked section `name` of `text`, markers included; '' if absent."""
    begin, end = markers(name)
    i = text.find(begin)
    j = text.find(end, i)
    return text[i:j + len(end)] if i >= 0 and j >= 0 else ""


def sections(text, names):
    return [s for s in (extract(text, n) for n in names) if s]


def replace(text, name, body):
    """`text` with section `name` set to `body` (appended when absent)."""
    begin, end = markers(name)
    block = f"{begin}\n{body.rstrip()}\n{end}"
    old = extract(text, name)
    if old:
        return text.replace(old, block)
    return text.rstrip("\n") + "\n\n" + block + "\n"


def read(path):
    if not os.path.exists(path):
        return ""
    with open(path) as f:
        return f.read()


def write(path, name, lines):
    """Sets section `name` of the page at `path` to `lines` (joined), leaving the rest."""
    text = read(path)
    with open(path, "w") as f:
        f.write(replace(text, name, "\n".join(lines)))


# The sections other scripts own, in page order.
OWNED = ("scheduling", "memory", "ledger", "flow", "comparison")
