#!/usr/bin/env python3
"""Counts the lines two source trees share: a line of tree A counts when it lies in a run of at
least N consecutive significant lines (default 6) that also stands, in the same order, in tree B.
Significant: not blank, not a comment, not lone punctuation, not an import; white space folded.

Used for issue 16's measure of what the two storage backends repeat:
    python3 tools/dup-lines/count.py crates/store-sqlite/src crates/store-postgres/src
"""
import re
import sys
from pathlib import Path

RUN = 6


def significant(path):
    lines = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        text = " ".join(line.split())
        if not text or text.startswith("//") or text.startswith(("use ", "pub use ", "pub(crate) use ")):
            continue
        if re.fullmatch(r"[\s\(\)\[\]\{\};,.]*", text):
            continue
        lines.append((text, f"{path}:{number}"))
    return lines


def files(root):
    return sorted(Path(root).rglob("*.rs"))


def windows(lines):
    return {tuple(text for text, _ in lines[i : i + RUN]) for i in range(len(lines) - RUN + 1)}


def shared(a_root, b_root):
    b_windows = set()
    for path in files(b_root):
        b_windows |= windows(significant(path))
    total = covered = 0
    for path in files(a_root):
        lines = significant(path)
        total += len(lines)
        marked = [False] * len(lines)
        for i in range(len(lines) - RUN + 1):
            if tuple(text for text, _ in lines[i : i + RUN]) in b_windows:
                for j in range(i, i + RUN):
                    marked[j] = True
        covered += sum(marked)
    return covered, total


def main():
    global RUN
    args = sys.argv[1:]
    if len(args) == 3:
        RUN = int(args.pop())
    if len(args) != 2:
        sys.exit("usage: count.py TREE_A TREE_B [RUN]")
    a, b = args
    a_shared, a_total = shared(a, b)
    b_shared, b_total = shared(b, a)
    print(f"{a}: {a_shared} of {a_total} significant lines stand in runs of {RUN}+ also in {b}")
    print(f"{b}: {b_shared} of {b_total} significant lines stand in runs of {RUN}+ also in {a}")


if __name__ == "__main__":
    main()
