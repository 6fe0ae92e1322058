"""Verification codes: unguessable, and easy to read aloud and type.

The alphabet has 32 symbols (5 bits each) and leaves out 0/O and 1/I, which people
confuse; 15 symbols carry 75 random bits. A code is shown in groups of five
(ABCDE-FGHJK-LMNPQ) and matched ignoring case, spaces and dashes."""

import re
import secrets

ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"
LENGTH = 15
GROUP = 5
BITS = LENGTH * 5


def code_generate() -> str:
    return "".join(secrets.choice(ALPHABET) for _ in range(LENGTH))


def normalize_code(raw: str) -> str:
    """Upper case with spaces and dashes removed ("abcde-fghjk lmnpq" → "ABCDEFGHJKLMNPQ")."""
    return re.sub(r"[\s\-‐-―]+", "", raw or "").upper()


def is_well_formed(code: str) -> bool:
    return len(code) == LENGTH and all(ch in ALPHABET for ch in code)


def format_code(code: str) -> str:
    return "-".join(code[i : i + GROUP] for i in range(0, len(code), GROUP))
