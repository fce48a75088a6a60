"""The event story, run over HTTP against a started stack (`make demo`)."""
