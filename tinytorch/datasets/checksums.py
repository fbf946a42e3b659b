"""SHA-256 checks: a data file whose content is not the one we know is refused, never used."""

import hashlib


class ChecksumError(ValueError):
    """A data file's SHA-256 differs from the recorded value: corrupt, truncated or another version."""


def verify_sha256(content, expected, source):
    """Raise ChecksumError unless the SHA-256 of `content` (bytes) is `expected` (hex)."""
    actual = hashlib.sha256(content).hexdigest()
    if actual != expected:
        raise ChecksumError(
            f"{source}: SHA-256 is {actual}, expected {expected}; "
            "the file is corrupt, truncated or a different version"
        )
