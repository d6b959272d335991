"""Entry point: ``python -m app`` (or the ``python-app`` console script)."""

import sys

from app.server import main

__all__ = ["main"]

if __name__ == "__main__":
    sys.exit(main())
