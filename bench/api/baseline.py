"""The baseline: a minimal FastAPI app returning a constant, served the same way as the APIs."""

from __future__ import annotations

from fastapi import FastAPI

app = FastAPI()


@app.get("/constant")
def constant() -> dict[str, str]:
    return {"status": "ok"}
