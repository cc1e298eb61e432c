"""fastText file formats: the binary model (``.bin``/``.ftz``/floret) and the text ``.vec``."""
from .errors import FacebookFormatError
from .fbbin import FacebookArgs, FacebookModelFile, read_model, write_model

__all__ = ["FacebookArgs", "FacebookFormatError", "FacebookModelFile", "read_model", "write_model"]
