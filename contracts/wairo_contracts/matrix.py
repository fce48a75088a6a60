"""A wire `Matrix` to and from a float32 array (row-major little-endian bytes, base64)."""

from __future__ import annotations

import base64
import binascii

import numpy as np
import numpy.typing as npt

from wairo_contracts.vision import Matrix


def to_matrix(values: npt.ArrayLike, dim: int | None = None) -> Matrix:
    """``dim`` gives the width of an empty matrix (no rows to read it from)."""
    a = np.asarray(values, dtype="<f4")
    a = np.ascontiguousarray(a.reshape(-1, dim or (a.shape[-1] if a.size else 1)))
    return Matrix(rows=a.shape[0], dim=a.shape[1], data=base64.b64encode(a.tobytes()).decode())


def from_matrix(matrix: Matrix) -> npt.NDArray[np.float32]:
    """The array; ValueError when the bytes don't hold rows x dim finite float32 values."""
    try:
        raw = base64.b64decode(matrix.data, validate=True)
    except binascii.Error as exc:
        raise ValueError(f"matrix data is not base64: {exc}") from None
    if len(raw) != matrix.rows * matrix.dim * 4:
        raise ValueError(f"matrix data holds {len(raw)} bytes, not {matrix.rows}x{matrix.dim} float32")
    a = np.frombuffer(raw, dtype="<f4").reshape(matrix.rows, matrix.dim).astype(np.float32)
    if not np.isfinite(a).all():
        raise ValueError("matrix holds NaN or infinite values")
    return a
