"""Command-line interface (``rfspin``)."""
