"""The pip half of bench/requirements_parse.sh: time pip's own requirements-file parser.

Run with Debian's /usr/bin/python3 (python3-pip): requirements_parse_peer.py FILE N.
Prints two rows:
  pip-parse     pip._internal.req.req_file.parse_requirements, every line consumed
                (requirement text is left unparsed, as pip's parser leaves it);
  pip-parse+pep508  the same plus install_req_from_parsed_requirement on each line, which
                parses the PEP 508 text with packaging: the same work pipewright's parser does.
"""
import sys
import time

from pip._internal.network.session import PipSession
from pip._internal.req.constructors import install_req_from_parsed_requirement
from pip._internal.req.req_file import parse_requirements


def main() -> None:
    path, n = sys.argv[1], int(sys.argv[2])
    session = PipSession()

    def parse_only() -> int:
        return sum(1 for _ in parse_requirements(path, session=session))

    def parse_pep508() -> int:
        return sum(
            1 for r in parse_requirements(path, session=session)
            if install_req_from_parsed_requirement(r) is not None
        )

    for name, fn in (("pip-parse", parse_only), ("pip-parse+pep508", parse_pep508)):
        count = fn()  # warm-up, outside the timing
        start = time.perf_counter()
        for _ in range(n):
            fn()
        ms = (time.perf_counter() - start) * 1000.0 / n
        print(f"{name} {ms:.3f} ms_per_parse {count} requirements")


if __name__ == "__main__":
    main()
