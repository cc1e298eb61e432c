"""fastText file formats: the binary model (``.bin``/``.ftz``/floret), the text ``.vec`` and floret's ``.floret``."""
from .errors import FacebookFormatError
from .fbbin import FacebookArgs, FacebookModelFile, read_model, write_model
from .vec import save_floret_vectors, save_output_vectors, save_word_vectors

__all__ = [
    "FacebookArgs",
    "FacebookFormatError",
    "FacebookModelFile",
    "read_model",
    "save_floret_vectors",
    "save_output_vectors",
    "save_word_vectors",
    "write_model",
]
