"""Vision benchmark: ``python -m bench.vision`` (see __main__.py)."""
