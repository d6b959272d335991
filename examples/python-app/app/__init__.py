"""python-app: a small standard-library web service used as pipewright's example project."""

__version__ = "0.1.0"

__all__ = ["__version__"]
