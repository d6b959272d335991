"""Python half of bench/analysis_speed.sh: the peers pipewright's analysis is compared with.

`metrics FILELIST`: tokenize-based size metrics, the way a Python script would compute lines,
code lines and comment lines (tokenize only, no complexity: a generous peer).
`select DIR LINES`: prints .py files of DIR, in sorted order, until about LINES lines.
"""
import sys
import time
import tokenize


def metrics(filelist):
    paths = [p for p in open(filelist).read().split("\n") if p]
    start = time.perf_counter()
    lines = code = comments = 0
    skip = {tokenize.COMMENT, tokenize.NL, tokenize.NEWLINE, tokenize.INDENT, tokenize.DEDENT,
            tokenize.ENDMARKER, tokenize.ENCODING}
    for p in paths:
        with open(p, "rb") as f:
            code_lines, comment_lines = set(), set()
            for tok in tokenize.tokenize(f.readline):
                if tok.type == tokenize.COMMENT:
                    comment_lines.add(tok.start[0])
                elif tok.type not in skip:
                    code_lines.update(range(tok.start[0], tok.end[0] + 1))
                last = tok.end[0]
            lines += last
            code += len(code_lines)
            comments += len(comment_lines)
    ms = (time.perf_counter() - start) * 1000
    print(f"py-metrics {ms:.1f} {len(paths)} {lines} {code}")


def select(directory, target):
    import pathlib
    total = 0
    for p in sorted(pathlib.Path(directory).rglob("*.py")):
        if "test" in p.parts or "idlelib" in p.parts or "lib2to3" in p.parts:
            continue
        try:
            n = p.read_bytes().count(b"\n")
            with open(p, "rb") as f:
                list(tokenize.tokenize(f.readline))
        except Exception:
            continue
        print(p)
        total += n
        if total >= int(target):
            break


if __name__ == "__main__":
    {"metrics": lambda: metrics(sys.argv[2]), "select": lambda: select(sys.argv[2], sys.argv[3])}[sys.argv[1]]()
