"""xml: checked as PostgreSQL checks it (XMLOPTION CONTENT: a well-formed fragment, or a
document when it has a DOCTYPE), and returned as PostgreSQL prints it: an XML declaration
stays only when it says something beyond version 1.0 (another version, standalone). Binary is
the same text in the client encoding (UTF-8 here), as xml_send sends it.
"""

from __future__ import annotations

import re
from typing import Any
from xml.etree import ElementTree

from pgwire import sqlstate
from pgwire.errors import PgError
from pgwire.types import oids
from pgwire.types.registry import TypeInfo, TypeRegistry, registry
from pgwire.types.text import text_decode

# parse_xml_decl: version, then optional encoding and standalone, in that order.
_DECLARATION = re.compile(
    r"<\?xml(?=\s)"
    r"(?:\s+version\s*=\s*(?P<q1>['\"])(?P<version>[^'\"]*)(?P=q1))?"
    r"(?:\s+encoding\s*=\s*(?P<q2>['\"])[^'\"]*(?P=q2))?"
    r"(?:\s+standalone\s*=\s*(?P<q3>['\"])(?P<standalone>yes|no)(?P=q3))?"
    r"\s*\?>"
)
# xml_doctype_in_content: a DOCTYPE after any white space, comments and processing
# instructions makes the content a document.
_PROLOG_DOCTYPE = re.compile(r"(?:\s+|<!--.*?-->|<\?.*?\?>)*<!DOCTYPE", re.DOTALL)


def _invalid(detail: str) -> PgError:
    return PgError("invalid XML content", sqlstate.INVALID_XML_CONTENT, detail=detail)


def _checked(text: str) -> str:
    """The value as PostgreSQL prints it, once it parses as XML content."""
    declaration = _DECLARATION.match(text)
    if text.startswith("<?xml") and text[5:6].isspace() and declaration is None:
        raise _invalid("invalid XML declaration")
    body = text[declaration.end() :] if declaration else text
    try:
        if _PROLOG_DOCTYPE.match(body):
            ElementTree.fromstring(body)
        elif body:
            ElementTree.fromstring(f"<x>{body}</x>")
    except ElementTree.ParseError as exc:
        raise _invalid(str(exc)) from None
    if declaration is None:
        return text
    version, standalone = declaration.group("version"), declaration.group("standalone")
    if (version and version != "1.0") or standalone:
        kept = f'<?xml version="{version or "1.0"}"'
        kept += f' standalone="{standalone}"?>' if standalone else "?>"
        return kept + body
    return body[1:] if body.startswith("\n") else body


def xml_text_encode(value: Any) -> bytes:
    return xml_binary_encode(value)  # the same text


def xml_decode(data: bytes) -> str:
    return _checked(text_decode(data))


def xml_binary_decode(data: bytes) -> str:
    # xml_recv hands the bytes to the XML parser, which is what rejects bad UTF-8.
    try:
        text = data.decode()
    except UnicodeDecodeError as exc:
        raise _invalid(str(exc)) from None
    return _checked(text)


def xml_binary_encode(value: Any) -> bytes:
    text = value.decode() if isinstance(value, bytes) else str(value)
    return _checked(text).encode()


def register(reg: TypeRegistry) -> None:
    reg.register(
        TypeInfo(
            oids.XML,
            "xml",
            -1,
            array_oid=oids.XML_ARRAY,
            text_encode=xml_text_encode,
            text_decode=xml_decode,
            binary_encode=xml_binary_encode,
            binary_decode=xml_binary_decode,
        )
    )


register(registry)
