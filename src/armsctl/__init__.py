"""armsctl: open verification infrastructure for arms reduction.

The package is a pure core (treaty, inventory, compliance, ledger, verification) wrapped by thin
shells (CLI, store, API, web). Import the submodules you need; this top level stays light so that
the command line starts fast.
"""

__all__ = ["__version__"]

__version__ = "0.1.0"
