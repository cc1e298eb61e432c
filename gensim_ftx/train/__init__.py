"""The training engine, shared by every face.

The loss interface (``_views``), the losses, each owning its training step and its ranking of
labels (``_losses``), the context models (``_kernels``) and the objects that drive them
(``_engine``), the sampling tables and Huffman tree (``tables``, ``huffman``), the threads and
progress of an epoch
(``trainer``, ``progress``), supervised training (``supervised``) and product quantisation
(``pq``, ``_pq``).
"""
