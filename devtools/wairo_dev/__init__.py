"""Development tools, installed by the `dev` extra only (no deployable image holds them): the
embedded stack (`stack`: every component a real local process) and the demo (`demo`: an event end
to end over HTTP), run by the `wairo-dev` command (`cli`)."""
