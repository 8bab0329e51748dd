"""Errors the library raises for input it cannot use; the CLI turns them into exit code 2."""


class InputError(ValueError):
    """Input that cannot be used at all: an unreadable file, a missing column, a bad argument.

    The message names the file, the column (and the row where one applies) and the reason.
    """
