#!/usr/bin/env python3
"""Per file of tree A: how many of its significant lines stand in 6+-line runs also in tree B,
and (with -v) the runs themselves. Companion of count.py."""
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from count import RUN, files, significant, windows  # noqa: E402


def main():
    args = [a for a in sys.argv[1:] if a != "-v"]
    verbose = "-v" in sys.argv
    a_root, b_root = args
    b_windows = set()
    for path in files(b_root):
        b_windows |= windows(significant(path))
    for path in files(a_root):
        lines = significant(path)
        marked = [False] * len(lines)
        for i in range(len(lines) - RUN + 1):
            if tuple(text for text, _ in lines[i : i + RUN]) in b_windows:
                for j in range(i, i + RUN):
                    marked[j] = True
        print(f"{path}: {sum(marked)} of {len(lines)}")
        if verbose:
            for (text, where), mark in zip(lines, marked):
                if mark:
                    print(f"    {where}: {text}")


if __name__ == "__main__":
    main()
