"""Eight plays by Shakespeare, bundled with tinytorch: about 1 MB of text for language models.

The plays are in the public domain; where the text comes from, what was done to it and the
attribution are in data/README.md beside the file.
"""

from tinytorch.datasets.bundled import read_bundled_gzip

SHAKESPEARE_FILE = "shakespeare.txt.gz"
SHAKESPEARE_SHA256 = "1f5a64132b459d22603a2af04e4978829ecc4717b77fc60a59f584fced6d1953"

# In the order they appear in the file (roughly the order in which they were written).
PLAYS = (
    "Romeo and Juliet", "A Midsummer Night's Dream", "Julius Caesar", "Hamlet",
    "Othello", "King Lear", "Macbeth", "The Tempest",
)
# The held-out text is the last play, The Tempest, whole: a model is judged on a play it
# never read, not on the second half of a scene whose first half it trained on.
HELDOUT_START = 938_056  # the index of the first character of "THE TEMPEST"


def load_shakespeare(split=None):
    """The bundled plays as one string: all of them, or a fixed train/held-out split.

    Args:
        split: None for the whole text (1,036,496 characters), "train" for the first seven
            plays (938,056 characters, 90.5%) or "heldout" for the eighth, The Tempest
            (98,440 characters, 9.5%). The split never changes: it is the same on every
            machine and under every seed, so held-out losses can be compared between runs.

    Returns:
        A str of plain ASCII: the plays in the order of PLAYS, three blank lines between
        two plays, lines ending in "\\n". `train + heldout == load_shakespeare()`.

    A few characters occur only in the held-out play ("{", "4", "5"), so build a character
    vocabulary from the whole text, `load_shakespeare()`, not from the training split alone.
    The bundled file's SHA-256 is checked on every call; a damaged copy raises ChecksumError.
    """
    if split not in (None, "train", "heldout"):
        raise ValueError(f"load_shakespeare: split must be None, 'train' or 'heldout', got {split!r}")
    text = read_bundled_gzip(SHAKESPEARE_FILE, SHAKESPEARE_SHA256).decode("ascii")
    if split == "train":
        return text[:HELDOUT_START]
    if split == "heldout":
        return text[HELDOUT_START:]
    return text
