"""The Spark engine's one-line failure text: the innermost Java cause, not py4j's wrapper line."""

from __future__ import annotations

from typing import Any

import pytest

from analytics.engines.spark import _first_line

pytestmark = pytest.mark.unit


class _Java:
    """A stand-in for a py4j JavaObject of a Throwable (toString, getCause)."""

    def __init__(self, text: str, cause: _Java | None = None) -> None:
        self.text, self.cause = text, cause

    def toString(self) -> str:
        return self.text

    def getCause(self) -> _Java | None:
        return self.cause


class _Py4JError(Exception):
    def __init__(self, text: str, java: Any) -> None:
        super().__init__(text)
        self.java_exception = java


def test_the_innermost_java_cause_is_the_line() -> None:
    java = _Java("org.apache.spark.SparkException: Job aborted due to stage failure: Task 1 failed\n\tat x",
                 _Java("java.lang.OutOfMemoryError: Java heap space\n\tat y"))
    exc = _Py4JError("An error occurred while calling o1165.getResult.\n: org.apache.spark...", java)
    assert _first_line(exc) == "java.lang.OutOfMemoryError: Java heap space"


def test_a_plain_error_keeps_its_first_line_cut_to_300_characters() -> None:
    assert _first_line(ValueError("\n  bad thing  \nmore")) == "bad thing"
    assert _first_line(ValueError("x" * 400)) == "x" * 300
    assert _first_line(ValueError("")) == "ValueError"


def test_a_dead_gateway_keeps_py4j_text() -> None:
    class _Dead:
        def getCause(self) -> None:
            raise ConnectionError("gateway gone")

    assert _first_line(_Py4JError("An error occurred while calling o1.x", _Dead())) == \
        "An error occurred while calling o1.x"
