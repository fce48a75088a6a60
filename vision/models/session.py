"""Inference sessions: onnxruntime with execution-provider selection, kept apart from the models."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

log = logging.getLogger(__name__)

DEFAULT_PROVIDERS = ("CUDAExecutionProvider", "CPUExecutionProvider")


def select_providers(preferred: Sequence[str] = DEFAULT_PROVIDERS) -> list[str]:
    """The preferred providers this onnxruntime build offers, in order; CPU always last resort."""
    import onnxruntime as ort

    available = set(ort.get_available_providers())
    chosen = [p for p in preferred if p in available]
    if "CPUExecutionProvider" not in chosen:
        chosen.append("CPUExecutionProvider")
    return chosen


class OrtSession:
    """A thin typed wrapper over ``onnxruntime.InferenceSession``."""

    def __init__(
        self, model_path: Path, providers: Sequence[str] = DEFAULT_PROVIDERS, intra_op_threads: int = 0
    ) -> None:
        import onnxruntime as ort

        if not model_path.is_file():
            raise FileNotFoundError(model_path)
        options = ort.SessionOptions()
        if intra_op_threads > 0:
            options.intra_op_num_threads = intra_op_threads
        options.log_severity_level = 3
        self.providers = select_providers(providers)
        self._session = ort.InferenceSession(str(model_path), sess_options=options, providers=self.providers)
        self.input_names = [i.name for i in self._session.get_inputs()]
        self.input_shapes: list[list[Any]] = [list(i.shape) for i in self._session.get_inputs()]
        self.output_names = [o.name for o in self._session.get_outputs()]
        self.output_shapes: list[list[Any]] = [list(o.shape) for o in self._session.get_outputs()]
        log.info("loaded %s with %s", model_path.name, self._session.get_providers())

    @property
    def active_providers(self) -> list[str]:
        return list(self._session.get_providers())

    def run(self, inputs: dict[str, np.ndarray]) -> list[np.ndarray]:
        outputs = self._session.run(None, inputs)
        return [np.asarray(o) for o in outputs]
