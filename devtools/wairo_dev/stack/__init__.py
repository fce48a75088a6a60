"""The embedded stack: every component of the platform as a real local process (`wairo-dev up`)."""
