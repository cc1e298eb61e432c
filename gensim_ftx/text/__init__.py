"""Bytes to tokens to ids: the layer every other one reads text through.

fastText's tokenisation and hashing, written once: subword hashing and n-gram ids (``_subwords``),
the compact vocabulary store (``_vocab``, ``vocab``), the corpus reader and word counter
(``_corpus``), the supervised line reader (``_lines``) and the input-matrix lookups that turn words
into vectors (``_compose``, ``vectors``). Nothing here knows gensim's classes or a model file.
"""
