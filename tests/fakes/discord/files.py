"""Files on the Discord stand-in: multipart requests and message attachments, as Discord has them.

A request with files is ``multipart/form-data``: a ``payload_json`` part (the JSON body) and one
``files[n]`` part per file. The body's ``attachments`` names what the message keeps: ``{"id": n}``
(plus ``filename``/``description``) for the n-th uploaded file, an existing attachment's own id to
keep it. Creating a message without ``attachments`` attaches every uploaded file; editing one
without ``attachments`` keeps the attachments it had (and adds any uploaded file), and
``attachments: []`` removes them all. An embed's ``attachment://NAME`` must name one of the
message's attachments. At most 10 files and 25 MiB per request.
"""

from __future__ import annotations

import json
import mimetypes
from dataclasses import dataclass
from typing import Any

from aiohttp import BodyPartReader, web

from tests.fakes.discord.models import Attachment, json_response

#: The uploaded files of a multipart request, stored by the recording middleware.
FILES_KEY = web.RequestKey("files", object)
MAX_FILES = 10
MAX_UPLOAD = 25 * 1024 * 1024
ATTACHMENT_SCHEME = "attachment://"
#: Embed fields that may show an attachment.
_EMBED_URLS = (
    ("image", "url"),
    ("thumbnail", "url"),
    ("author", "icon_url"),
    ("footer", "icon_url"),
)


@dataclass(frozen=True)
class Upload:
    """One ``files[n]`` part of a multipart request."""

    index: int
    filename: str
    content_type: str
    data: bytes


class FormError(Exception):
    """A request Discord refuses; ``response`` is what it answers."""

    def __init__(self, response: web.Response) -> None:
        super().__init__(response.text)
        self.response = response


def invalid_form(errors: dict[str, Any]) -> FormError:
    """Discord's 400 for a body that breaks a rule: code 50035 with the nested ``errors``."""
    return FormError(
        json_response({"message": "Invalid Form Body", "code": 50035, "errors": errors}, status=400)
    )


def _error(code: str, message: str) -> dict[str, Any]:
    return {"_errors": [{"code": code, "message": message}]}


async def read_multipart(request: web.Request) -> tuple[Any, list[Upload]]:
    """The ``payload_json`` body and the ``files[n]`` parts of a multipart request."""
    body: Any = None
    uploads: list[Upload] = []
    reader = await request.multipart()
    while (part := await reader.next()) is not None:
        if not isinstance(part, BodyPartReader):
            continue  # a nested multipart: Discord's requests have none
        name = part.name or ""
        data = await part.read()
        if name == "payload_json":
            body = json.loads(data)
        elif name.startswith("files[") and name.endswith("]"):
            uploads.append(
                Upload(
                    index=int(name[6:-1]),
                    filename=part.filename or "",
                    content_type=part.headers.get("Content-Type", "application/octet-stream"),
                    data=bytes(data),
                )
            )
    return body, uploads


def check_limits(uploads: list[Upload]) -> None:
    """Refuse more than 10 files, or more than 25 MiB in one request."""
    if len(uploads) > MAX_FILES:
        raise invalid_form(
            {"files": _error("BASE_TYPE_MAX_LENGTH", f"Must be {MAX_FILES} or fewer in length.")}
        )
    if sum(len(u.data) for u in uploads) > MAX_UPLOAD:
        raise FormError(
            json_response({"message": "Request entity too large", "code": 40005}, status=413)
        )


def attachments_after(
    body: dict[str, Any],
    uploads: list[Upload],
    *,
    existing: list[Attachment] | None,
    new_id: Any,
    channel_id: str,
) -> list[Attachment]:
    """The attachments a message has after this create (``existing`` None) or edit.

    Raises ``FormError`` for a request Discord refuses: too many or too large files, an
    ``attachments`` entry naming neither an uploaded file nor an attachment of the message, or
    an embed's ``attachment://`` naming no attachment of the message.
    """
    check_limits(uploads)
    by_index = {u.index: u for u in uploads}
    had = {a.id: a for a in existing or []}
    listed = body.get("attachments")
    result: list[Attachment] = []
    used: set[int] = set()
    if listed is None:
        result = list(existing or [])
    else:
        for n, entry in enumerate(listed):
            key = str(entry.get("id"))
            if key in had:
                result.append(had[key])
            elif key.isdigit() and int(key) in by_index:
                upload = by_index[int(key)]
                used.add(upload.index)
                result.append(_attachment(upload, entry, new_id(), channel_id))
            else:
                raise invalid_form(
                    {
                        "attachments": {
                            str(n): {"id": _error("ATTACHMENT_NOT_FOUND", "Unknown attachment")}
                        }
                    }
                )
    for upload in uploads:
        if upload.index not in used:
            result.append(_attachment(upload, {}, new_id(), channel_id))
    if len(result) > MAX_FILES:
        raise invalid_form(
            {"attachments": _error("BASE_TYPE_MAX_LENGTH", "Must be 10 or fewer in length.")}
        )
    names = {a.filename for a in result}
    for i, embed in enumerate(body.get("embeds") or []):
        for part, key in _EMBED_URLS:
            url = str((embed.get(part) or {}).get(key) or "")
            if url.startswith(ATTACHMENT_SCHEME) and url[len(ATTACHMENT_SCHEME) :] not in names:
                raise invalid_form(
                    {
                        "embeds": {
                            str(i): {
                                part: {
                                    key: _error(
                                        "EMBED_ATTACHMENT_NOT_FOUND",
                                        f"{url} names no attachment of the message",
                                    )
                                }
                            }
                        }
                    }
                )
    return result


def _attachment(
    upload: Upload, entry: dict[str, Any], attachment_id: str, channel_id: str
) -> Attachment:
    filename = str(entry.get("filename") or upload.filename)
    # Discord sets the type from the file itself, not from the part's header.
    guessed = "image/png" if upload.data.startswith(b"\x89PNG\r\n\x1a\n") else None
    return Attachment(
        id=attachment_id,
        filename=filename,
        size=len(upload.data),
        content_type=guessed or mimetypes.guess_type(filename)[0] or upload.content_type,
        description=entry.get("description"),
        data=upload.data,
        channel_id=channel_id,
    )
