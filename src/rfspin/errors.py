"""The one exception type for everything a user can get wrong.

:class:`RfspinError` is a :class:`ValueError`, so ``except ValueError`` keeps working. The CLI
turns it (and only it) into one line on stderr and exit status 2; any other exception is a bug
and keeps its traceback. Two refinements keep the builtin contract of their situation:
:class:`RfspinFileNotFoundError` (also a ``FileNotFoundError``) and :class:`RfspinTypeError`
(also a ``TypeError``). Messages name the offending value and what is allowed.
"""

from __future__ import annotations

__all__ = ["RfspinError", "RfspinFileNotFoundError", "RfspinTypeError"]


class RfspinError(ValueError):
    """Invalid user input: a value, a file, a combination of options."""


class RfspinFileNotFoundError(RfspinError, FileNotFoundError):
    """A file or folder the user named does not exist."""


class RfspinTypeError(RfspinError, TypeError):
    """A user-supplied object has the wrong type."""
