"""Wairo vision: face detection, alignment and embedding behind one interface, served by Ray Serve.

Importing this package is cheap: backends (dlib, onnxruntime) and Ray are imported lazily by the
modules that need them, so the API's worker can use :mod:`vision.client` and :mod:`vision.matching`
without pulling in the inference stack.
"""

__all__ = ["__version__"]

__version__ = "0.1.0"
