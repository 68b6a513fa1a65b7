"""The package version, a leaf every module may import (the package __init__ imports the library)."""

__version__ = "0.1.0"
