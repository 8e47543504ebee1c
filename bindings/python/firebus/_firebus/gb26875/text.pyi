"""
GB 18030 <-> UTF-8 text conversion (GB/T 26875.3 descriptions and configuration texts are GB 18030 on the wire). Uses the platform converter (glibc iconv). Errors raise firebus.TextError with the C++ message, e.g. 'GB 18030: invalid byte sequence at offset 5 (0xff): ...'.
"""

from __future__ import annotations
import enum

def decode(data: bytes, policy: TextPolicy = TextPolicy.strict) -> str:
    """
    GB 18030 bytes to str. strict: TextError on the first undecodable byte (message with its offset); replace: U+FFFD in place of each undecodable sequence.
    """

def decode_description(data: bytes, policy: TextPolicy = TextPolicy.strict) -> str:
    """
    A 31-byte GB/T 26875.3 description (types 2 and 7) to str, its padding (trailing 0x00 and spaces) removed. Shorter input is padded; over 31 bytes raises GB26875Error.
    """

def encode(text: str, policy: TextPolicy = TextPolicy.strict) -> bytes:
    """
    str to GB 18030 bytes. strict: TextError for a character GB 18030 lacks; replace: such characters become U+FFFD (84 31 A4 37).
    """

def encode_description(text: str) -> bytes:
    """
    str to a 31-byte GB/T 26875.3 description: GB 18030 padded with 0x00. TextError (too_long) if the text needs more than 31 bytes.
    """

def encode_field(text: str, max_bytes: int) -> bytes:
    """
    str to GB 18030 bytes for a field of at most max_bytes bytes: TextError (too_long) rather than cutting a character. GB/T 26875.3 fields: 31 bytes for a description, 255 for a configuration text.
    """

class TextErrc(enum.IntEnum):
    """
    Why a text conversion failed (TextError.code; category 'firebus.text').
    """

    invalid_sequence = 1
    incomplete_sequence = 2
    unrepresentable = 3
    too_long = 4
    unavailable = 5

class TextPolicy(enum.IntEnum):
    """
    What to do with bytes that cannot be converted: strict raises TextError for the first of them, replace puts U+FFFD in their place.
    """

    strict = 0
    replace = 1
