"""Refuse a request body before anything parses it: too large (413), not JSON (415), not UTF-8 (400), nested too
deeply (400). Runs outside the Idempotency-Key handling, whose request digest must never see such a body.

Every body this API takes is a JSON object a few levels deep and a few kilobytes long; `PLEDGEFLOW_MAX_BODY_BYTES`
(1 MiB by default) is ample for every step, and 32 levels of nesting leave room for any request it defines.
"""

from __future__ import annotations

import json
from typing import Any

from starlette.datastructures import Headers
from starlette.types import ASGIApp, Receive, Scope, Send

from services.api.errors import BadRequest, PayloadTooLarge, UnsupportedMediaType
from services.api.middleware import replay_body, send_problem

MAX_DEPTH = 32
_BODY_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})


class BodyNotUtf8(BadRequest):
    type_slug = "body-not-utf8"
    title = "The body is not UTF-8 text"


class BodyTooDeep(BadRequest):
    type_slug = "body-too-deep"
    title = "The body is nested too deeply"


def too_deep(value: Any, limit: int = MAX_DEPTH) -> bool:
    """Whether JSON `value` nests objects and arrays more than `limit` levels (iterative: no recursion limit)."""
    stack: list[tuple[Any, int]] = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, dict):
            children: Any = item.values()
        elif isinstance(item, list):
            children = item
        else:
            continue
        if depth > limit:
            return True
        stack.extend((child, depth + 1) for child in children)
    return False


def _is_json(content_type: str) -> bool:
    media, _, params = content_type.partition(";")
    media = media.strip().lower()
    charset = next(
        (p.split("=", 1)[1].strip().strip('"').lower() for p in params.split(";") if p.strip().startswith("charset=")),
        "utf-8",
    )
    return (media == "application/json" or (media.startswith("application/") and media.endswith("+json"))) and (
        charset in ("utf-8", "utf8")
    )


FORM_PATH = "/console/"
FORM_MEDIA_TYPE = "application/x-www-form-urlencoded"
# Uploads: files in a multipart form, to the documents and white-list import endpoints or a console form, bounded by
# the documents' limit.
UPLOAD_PATHS = ("/documents", "/whitelist/imports")
UPLOAD_MEDIA_TYPE = "multipart/form-data"
_MULTIPART_OVERHEAD = 64 * 1024  # the form's boundaries and headers around the file


class BodyGuardMiddleware:
    def __init__(self, app: ASGIApp, *, max_bytes: int, max_upload_bytes: int | None = None) -> None:
        self.app = app
        self.max_bytes = max_bytes
        self.max_upload_bytes = (max_upload_bytes or max_bytes) + _MULTIPART_OVERHEAD

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] not in _BODY_METHODS:
            await self.app(scope, receive, send)
            return
        headers = Headers(scope=scope)
        content_type = headers.get("content-type", "")
        # An upload: the documents endpoint, or a console form with files (a claim's correction).
        upload = (scope["path"] in UPLOAD_PATHS or scope["path"].startswith(FORM_PATH)) and (
            content_type.partition(";")[0].strip() == UPLOAD_MEDIA_TYPE
        )
        limit = self.max_upload_bytes if upload else self.max_bytes
        declared = headers.get("content-length")
        if declared is not None and declared.isdigit() and int(declared) > limit:
            await send_problem(send, scope, self._too_large(limit))
            return
        chunks: list[bytes] = []
        size = 0
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                return  # the client left before sending its body: there is nobody to answer
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > limit:
                await send_problem(send, scope, self._too_large(limit))
                return
            chunks.append(chunk)
            if not message.get("more_body", False):
                break
        body = b"".join(chunks)
        if upload:  # the route reads the form; the file's content is checked there, from its bytes
            await self.app(scope, replay_body(body, receive), send)
            return
        # The console's forms post form fields (bounded in size like every body; their fields are validated by
        # the same models as the API's JSON); everything else is JSON.
        if scope["path"].startswith(FORM_PATH) and content_type.partition(";")[0].strip() == FORM_MEDIA_TYPE:
            await self.app(scope, replay_body(body, receive), send)
            return
        problem = self._check(body, content_type)
        if problem is not None:
            await send_problem(send, scope, problem)
            return
        await self.app(scope, replay_body(body, receive), send)

    @staticmethod
    def _too_large(limit: int) -> PayloadTooLarge:
        return PayloadTooLarge(f"The body is larger than {limit:,} bytes; no request here needs that much.")

    @staticmethod
    def _check(body: bytes, content_type: str) -> BadRequest | UnsupportedMediaType | None:
        if not body:
            return None
        if not _is_json(content_type):
            return UnsupportedMediaType(
                f"Send the body as JSON (Content-Type: application/json; UTF-8), not {content_type or 'no type'}."
            )
        try:
            text = body.decode("utf-8")
        except UnicodeDecodeError as error:
            return BodyNotUtf8(f"The body is not valid UTF-8 (byte {error.start + 1}); send JSON in UTF-8.")
        try:
            parsed = json.loads(text)
        except RecursionError:
            return BodyTooDeep(f"The body nests objects or arrays more than {MAX_DEPTH} levels deep.")
        except ValueError:
            return None  # not JSON at all: the route's validation answers 422 with where it went wrong
        if too_deep(parsed):
            return BodyTooDeep(f"The body nests objects or arrays more than {MAX_DEPTH} levels deep.")
        return None
