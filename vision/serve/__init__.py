"""Ray Serve application of the vision service (``vision.serve.app:app``)."""
