"""The JSON parser of every API view: a bounded nesting depth, Chinese errors, real text only.

DRF's own JSONParser hands the body straight to `json.load`, which recurses once per level:
`'[' * 100000` ended in RecursionError (a 500) after a deep, slow descent. No request of this
API nests deeper than a few levels, so a body nested beyond TIAOJIE_JSON_MAX_DEPTH is refused
before it is parsed (400 `nesting_too_deep`). A `\\ud800` escape decodes to a lone surrogate,
which is not text (it cannot be encoded to UTF-8 nor stored): 400 `invalid_unicode`.

The depth is measured by a short scan of our own: the standard decoder has no depth limit,
and changing decoders to get one would change how every other body is decoded.

Malformed multipart bodies are answered in Chinese too (DRF's message is English).
"""

import json
import re

from django.conf import settings
from rest_framework import parsers
from rest_framework.exceptions import ParseError
from rest_framework.utils import json as drf_json

# A JSON string (escapes included), and what is left once strings are removed that is not
# a bracket: what remains is the bracket structure, whose depth is the nesting depth. An
# unterminated string runs to the end of the text: were it not matched, every escaped quote
# inside it would start a new scan to the end (quadratic time on '"' + '\\"' * n).
_STRING = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*(?:"|\\?\Z)', re.DOTALL)
_NOT_BRACKET = re.compile(r"[^\[\]{}]+")
_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F]")


class NestingTooDeep(ParseError):
    default_code = "nesting_too_deep"


class InvalidUnicode(ParseError):
    default_code = "invalid_unicode"


def nesting_exceeds(text: str, limit: int) -> bool:
    """Whether arrays and objects in the JSON text nest deeper than `limit` levels."""
    depth = 0
    for bracket in _NOT_BRACKET.sub("", _STRING.sub("", text)):
        if bracket in "[{":
            depth += 1
            if depth > limit:
                return True
        else:
            depth -= 1
    return False


class JSONParser(parsers.JSONParser):
    def parse(self, stream, media_type=None, parser_context=None):
        try:
            encoding = parsers.get_encoding(parser_context or {})
        except ParseError:
            raise ParseError("请求头 Content-Type 中的字符集不受支持。") from None
        try:
            text = stream.read().decode(encoding)
        except UnicodeDecodeError:
            raise ParseError(f"请求体不是有效的 {encoding} 编码文本。") from None
        limit = settings.TIAOJIE_JSON_MAX_DEPTH
        if nesting_exceeds(text, limit):
            raise NestingTooDeep(f"请求体的 JSON 嵌套过深：最多允许 {limit} 层。")
        try:
            strict = drf_json.strict_constant if self.strict else None
            data = json.loads(text, parse_constant=strict)
        except json.JSONDecodeError as error:
            raise ParseError(
                f"请求体不是有效的 JSON：第 {error.lineno} 行第 {error.colno} 列附近有误。"
            ) from None
        except ValueError:  # NaN or Infinity (not JSON), an integer of over 4300 digits
            raise ParseError(
                "请求体不是有效的 JSON：含有不支持的数值（NaN、Infinity 或位数过多的整数）。"
            ) from None
        if _SURROGATE_ESCAPE.search(text):
            try:
                json.dumps(data, ensure_ascii=False).encode("utf-8")
            except UnicodeEncodeError:
                raise InvalidUnicode(
                    "请求体含有无效的 Unicode 字符（不成对的代理项，如 \\ud800）。"
                ) from None
        return data


class MultiPartParser(parsers.MultiPartParser):
    def parse(self, stream, media_type=None, parser_context=None):
        try:
            return super().parse(stream, media_type, parser_context)
        except ParseError:
            raise ParseError("multipart/form-data 请求体格式错误（如缺少 boundary）。") from None
