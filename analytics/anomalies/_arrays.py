"""The one conversion of detector input to a float ``(rows, series)`` matrix, shared by every mode."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from analytics.errors import ParameterError

FloatArray = npt.NDArray[np.float64]


def numeric_matrix(values: npt.ArrayLike, *, rows: str = "rows") -> FloatArray:
    """A float copy of ``values`` as ``(rows, series)``: a 1-D input is one series; anything else is refused.

    ``rows`` names the first axis in the error (``days`` for daily cost).

    >>> numeric_matrix([1, 2]).shape
    (2, 1)
    """
    try:
        arr = np.array(values, dtype=np.float64, copy=True)
    except (TypeError, ValueError) as exc:
        raise ParameterError(f"values must be numeric: {exc}") from exc
    if arr.ndim == 1:
        arr = arr[:, None]
    if arr.ndim != 2:
        raise ParameterError(f"values must be 1-D or 2-D ({rows}, series), got shape {arr.shape}")
    return arr
