"""Python literals read as JSON, safely: a small parser, never ``eval``.

GCP billing exports written to CSV by the usual tools (the BigQuery client's ``to_dataframe()`` or
``pandas.json_normalize`` followed by ``to_csv``) hold their repeated fields — ``credits``,
``labels``, ``system_labels``, ``project.labels``, ``project.ancestors`` — as Python's ``repr`` of a
list of dicts instead of JSON::

    [{'name': 'FreeTrial:Credit-0000', 'amount': -5e-06, 'full_name': None, 'type': 'PROMOTION'}]

and, when the list is a numpy array (what pyarrow hands pandas), with the elements separated by a
newline and a space instead of a comma::

    [{'key': 'env', 'value': 'prod'}
     {'key': 'team', 'value': 'web'}]

:func:`python_literal_json` turns such text into JSON text. It accepts exactly: lists (commas or,
as numpy writes them, whitespace between elements), dicts with string keys (each key once), strings
in single or double quotes with Python's escapes, ``True`` / ``False`` / ``None`` and decimal
numbers, whose digits are copied unchanged (``-5e-06`` stays ``-5e-06``, so amounts stay exact).
Anything else — names, calls such as ``Decimal('1')``, ``nan``, numpy's ``...`` abbreviation of a
long array, text over :data:`MAX_CHARS` or nesting deeper than :data:`MAX_DEPTH` — is a
:class:`LiteralError` saying where and what was expected.
"""

from __future__ import annotations

import json
import re

MAX_CHARS = 1 << 20  # 1 MiB of text per value
MAX_DEPTH = 32
_NUMBER = re.compile(r"-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?")
_WORDS = {"True": "true", "False": "false", "None": "null"}
_SIMPLE_ESCAPES = {"\\": "\\", "'": "'", '"': '"', "a": "\a", "b": "\b", "f": "\f", "n": "\n", "r": "\r",
                   "t": "\t", "v": "\v", "\n": ""}  # fmt: skip
_WHITESPACE = " \t\r\n"


class LiteralError(ValueError):
    """Text that is not a supported Python literal: where (0-based character) and what was expected."""

    def __init__(self, position: int, message: str) -> None:
        super().__init__(f"character {position + 1}: {message}")
        self.position = position
        self.message = message


def python_literal_json(text: str) -> str:
    """JSON text for a Python literal of lists, dicts, strings, numbers, True/False/None.

    >>> python_literal_json("[{'name': 'x', 'amount': -5e-06, 'full_name': None}]")
    '[{"name":"x","amount":-5e-06,"full_name":null}]'
    >>> python_literal_json("[{'key': 'a', 'value': 'b'}\\n {'key': 'c', 'value': \\"it's\\"}]")
    '[{"key":"a","value":"b"},{"key":"c","value":"it\\'s"}]'
    >>> try:
    ...     python_literal_json("__import__('os')")
    ... except LiteralError as exc:
    ...     print(exc)
    character 1: expected a list, dict, string, number, True, False or None
    """
    if len(text) > MAX_CHARS:
        raise LiteralError(MAX_CHARS, f"value longer than {MAX_CHARS:,} characters")
    parser = _Parser(text)
    parser.skip()
    parser.value(0)
    parser.skip()
    if parser.i != len(text):
        raise LiteralError(parser.i, "unexpected text after the value")
    return "".join(parser.out)


class _Parser:
    """Recursive descent over ``text``, writing JSON pieces to ``out``."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.i = 0
        self.out: list[str] = []

    def skip(self) -> None:
        while self.i < len(self.text) and self.text[self.i] in _WHITESPACE:
            self.i += 1

    def peek(self) -> str:
        return self.text[self.i] if self.i < len(self.text) else ""

    def value(self, depth: int) -> None:
        if depth >= MAX_DEPTH:
            raise LiteralError(self.i, f"nested deeper than {MAX_DEPTH} levels")
        ch = self.peek()
        if ch == "[":
            self.sequence(depth)
        elif ch == "{":
            self.mapping(depth)
        elif ch in ("'", '"'):
            self.out.append(json.dumps(self.string(), ensure_ascii=False))
        elif ch == "-" or ch.isdigit():
            match = _NUMBER.match(self.text, self.i)
            end = match.end() if match else self.i
            if not match or (end < len(self.text) and (self.text[end].isalnum() or self.text[end] in "._")):
                raise LiteralError(self.i, "expected a decimal number (such as -5e-06 or 12.5)")
            self.out.append(match.group())
            self.i = end
        elif self.text.startswith("...", self.i):
            raise LiteralError(self.i, "'...': the list was abbreviated when the file was written (numpy shortens "
                                       "arrays of over 1,000 elements), so its values are not in the file")
        else:
            word = re.match(r"[A-Za-z_][A-Za-z0-9_]*", self.text[self.i :])
            if word and word.group() in _WORDS:
                self.out.append(_WORDS[word.group()])
                self.i += len(word.group())
            else:
                raise LiteralError(self.i, "expected a list, dict, string, number, True, False or None")

    def sequence(self, depth: int) -> None:
        self.i += 1  # [
        self.out.append("[")
        self.skip()
        first = True
        while self.peek() != "]":
            if not self.peek():
                raise LiteralError(self.i, "the list is not closed: expected ']'")
            if not first:
                self.out.append(",")
            self.value(depth + 1)
            first = False
            gap = self.i
            self.skip()
            if self.peek() == ",":
                self.i += 1
                self.skip()
            elif self.peek() not in ("]", "") and self.i == gap:  # numpy separates elements by whitespace only
                raise LiteralError(self.i, "expected ',' or ']' after a list element")
        self.i += 1
        self.out.append("]")

    def mapping(self, depth: int) -> None:
        self.i += 1  # {
        self.out.append("{")
        self.skip()
        keys: set[str] = set()
        first = True
        while self.peek() != "}":
            if self.peek() not in ("'", '"'):
                raise LiteralError(self.i, "expected a quoted key or '}'" if self.peek() else
                                   "the dict is not closed: expected '}'")
            at = self.i
            key = self.string()
            if key in keys:
                raise LiteralError(at, f"key {key[:60]!r} appears twice in one dict")
            keys.add(key)
            if not first:
                self.out.append(",")
            self.out.append(json.dumps(key, ensure_ascii=False) + ":")
            self.skip()
            if self.peek() != ":":
                raise LiteralError(self.i, "expected ':' after a dict key")
            self.i += 1
            self.skip()
            self.value(depth + 1)
            first = False
            self.skip()
            if self.peek() == ",":
                self.i += 1
                self.skip()
            elif self.peek() != "}":
                raise LiteralError(self.i, "expected ',' or '}' after a dict value")
        self.i += 1
        self.out.append("}")

    def string(self) -> str:
        quote = self.text[self.i]
        start = self.i
        self.i += 1
        if self.text.startswith(quote * 2, self.i):
            raise LiteralError(start, "triple-quoted strings are not supported")
        parts: list[str] = []
        text = self.text
        while True:
            end = self.i
            while end < len(text) and text[end] not in (quote, "\\", "\n"):
                end += 1
            parts.append(text[self.i : end])
            self.i = end
            if end >= len(text) or text[end] == "\n":
                raise LiteralError(start, "the string is not closed")
            if text[end] == quote:
                self.i += 1
                value = "".join(parts)
                if any(0xD800 <= ord(ch) <= 0xDFFF for ch in value):
                    raise LiteralError(start, "the string holds a lone surrogate (not text)")
                return value
            parts.append(self.escape())

    def escape(self) -> str:
        at = self.i
        self.i += 1  # the backslash
        ch = self.peek()
        if not ch:
            raise LiteralError(at, "the string is not closed")
        if ch in _SIMPLE_ESCAPES:
            self.i += 1
            return _SIMPLE_ESCAPES[ch]
        width = {"x": 2, "u": 4, "U": 8}.get(ch)
        if width:
            digits = self.text[self.i + 1 : self.i + 1 + width]
            if len(digits) != width or not all(d in "0123456789abcdefABCDEF" for d in digits):
                raise LiteralError(at, f"\\{ch} needs {width} hex digits")
            code = int(digits, 16)
            if code > 0x10FFFF:
                raise LiteralError(at, "escape beyond the last Unicode character")
            self.i += 1 + width
            return chr(code)
        if ch in "01234567":
            octal = re.match(r"[0-7]{1,3}", self.text[self.i : self.i + 3])
            assert octal is not None
            self.i += len(octal.group())
            return chr(int(octal.group(), 8))
        if ch == "N":
            raise LiteralError(at, "\\N{…} escapes are not supported")
        return "\\"  # Python keeps an unknown escape's backslash; the next character follows as text
