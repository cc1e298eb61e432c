"""Errors raised while reading or writing fastText files."""
from __future__ import annotations


class FacebookFormatError(ValueError):
    """A fastText file is malformed; names the file, the field and the byte offset.

    Attributes
    ----------
    path : str
        The file being read.
    field : str
        The field that could not be read or failed validation.
    offset : int
        Byte offset of that field from the start of the file.
    """

    def __init__(self, path: str, field: str, offset: int, problem: str):
        self.path = path
        self.field = field
        self.offset = offset
        self.problem = problem
        super().__init__(f"{path}: {field} at byte offset {offset}: {problem}")
