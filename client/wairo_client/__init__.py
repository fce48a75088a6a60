"""`wairo`, the photographer's command-line upload tool: log in on the backoffice API, upload
folders of photos to a project through the media API, follow their processing.

It talks to the APIs over HTTP only (httpx): it imports no server package (pyproject's
`[tool.importlinter]`), and `pip install 'wairo[client]'` installs it with httpx alone."""
