"""Helpers shared by the test folders (plain modules, no fixtures): HTTP and polling helpers, test
images, Stripe webhook signing, Prometheus scrapes, the Kubernetes emulator and the ONNX stand-in
graphs."""
