"""Unguessable tokens: order links, QR payloads, consent and delegation links.

Every token comes from `secrets` and carries at least 128 bits. The alphabet
leaves out look-alike characters (0/O, 1/I/L) so a code read aloud or typed
from paper is not mistyped.
"""

import math
import secrets

UNAMBIGUOUS_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"


def random_code(length: int, alphabet: str = UNAMBIGUOUS_ALPHABET) -> str:
    return "".join(secrets.choice(alphabet) for _ in range(length))


def length_for_bits(bits: int, alphabet: str = UNAMBIGUOUS_ALPHABET) -> int:
    return math.ceil(bits / math.log2(len(alphabet)))


# 26 characters of a 31-letter alphabet carry 128.8 bits.
SECRET_LENGTH = length_for_bits(128)


def new_secret() -> str:
    """A token of at least 128 bits from the unambiguous alphabet."""
    return random_code(SECRET_LENGTH)


def new_order_code() -> str:
    """A short public order code such as "K7QM4X"; uniqueness is the caller's check."""
    return random_code(6)
