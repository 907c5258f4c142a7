"""Errors that reach the user as one clear line and exit code 2."""

from __future__ import annotations


class MobisimError(Exception):
    """A problem with the user's input: a file, a scenario key, a street name.

    The message is shown as one line (``mobisim: error: <message>``) and the command exits
    with code 2. Name the problem *and* the place (file, key path, street) in the message.
    """

    exit_code = 2


class InputFileError(MobisimError):
    """An input file is missing, unreadable, corrupt or holds nothing usable."""


class ScenarioError(MobisimError):
    """A scenario file is malformed or holds a wrong key, type or value."""


class NotFoundError(MobisimError):
    """A street, way, wijk or place named by the user does not exist."""


class OutputError(MobisimError):
    """An output file or folder cannot be written: a folder where a file is wanted (or the
    reverse), no permission, a read-only or full disk."""
