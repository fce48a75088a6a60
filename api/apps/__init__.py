"""The three ASGI apps, each built by its module's `create_app()`."""
