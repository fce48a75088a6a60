"""API load benchmark: the main API's photo list and the media API's upload-url against a constant app."""
