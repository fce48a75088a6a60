"""Wairo vision: face detection, alignment and embedding behind one interface, served by Ray Serve.

Its wire format, face-model registry and matching rules are in `wairo_contracts`; the API's worker
talks to it over HTTP (`api/processing/vision_client.py`) and never imports this package.
Backends (dlib, onnxruntime) and Ray are imported by the modules that need them.
"""

__all__ = ["__version__"]

__version__ = "0.1.0"
