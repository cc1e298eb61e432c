"""Bulk, GIL-free scoring of text by fastText models: labels, probabilities, line and word vectors."""
from .scorer import Predictor

__all__ = ["Predictor"]
