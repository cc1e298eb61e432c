"""fastText file formats: the binary model (``.bin``/``.ftz``/floret) and the text ``.vec``."""
from .errors import FacebookFormatError
from .fbbin import FacebookArgs, FacebookModelFile, read_model, write_model
from .vec import save_output_vectors, save_word_vectors

__all__ = [
    "FacebookArgs",
    "FacebookFormatError",
    "FacebookModelFile",
    "read_model",
    "save_output_vectors",
    "save_word_vectors",
    "write_model",
]
