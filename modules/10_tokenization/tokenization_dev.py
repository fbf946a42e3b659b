# ---
# jupyter:
#   jupytext:
#     text_representation:
#       extension: .py
#       format_name: percent
#       format_version: '1.3'
#   kernelspec:
#     display_name: Python 3 (ipykernel)
#     language: python
#     name: python3
# ---

# %% [markdown]
# # Module 10: Tokenization - from text to the integers a network reads
#
# **You have built**: tensors, layers, losses, autograd, optimizers, a training loop and a
# data loader: everything a network needs, as long as its input is already numbers.
#
# **You build now**: two tokenizers, the functions that turn text into a sequence of
# integer ids and back. `CharTokenizer` gives every character its own id.
# `BPETokenizer` learns, from a corpus, which runs of bytes are common enough to deserve an
# id of their own (byte-pair encoding, the method behind GPT-2's tokenizer).
#
# **This enables**: language models. Module 11 looks each id up in an embedding table,
# Module 12 lets positions attend to each other, Module 13 stacks them into a GPT that
# learns to write like Shakespeare, from the plays bundled with tinytorch.
#
# ```
#  "To be, or not"  --encode-->  [ 50 58  1 57 60 ... ]  --> Embedding --> ... --> GPT
#                   <--decode--   ids, one per token
# ```
#
# By the end you will be able to:
# 1. build a character vocabulary and encode a million characters without a Python loop;
# 2. train a byte-pair encoding on a corpus, with merges in a deterministic order;
# 3. encode and decode any text, in any script, without ever meeting an unknown token;
# 4. reason about how the choice of tokenizer moves memory between the embedding table
#    (vocabulary size) and attention (sequence length).
#
# **Where the code goes.** You work in `modules/10_tokenization/tokenization_dev.py`. Cells
# marked `#| export` go to `tinytorch/core/tokenization.py`, so afterwards:
#
# ```python
# from tinytorch.core.tokenization import CharTokenizer, BPETokenizer
# ```
#
# PyTorch has no tokenizer of its own; the libraries around it (Hugging Face `tokenizers`,
# OpenAI's `tiktoken`) have the same two verbs, `encode` and `decode`.

# %% nbgrader={"grade": false, "grade_id": "imports", "solution": false}
#| default_exp core.tokenization
#| export
import re

import numpy as np

from tinytorch.core.tensor import Tensor

# %% [markdown]
# ## 1. What is a token?
#
# A network computes with numbers, so text must become numbers first. The question is
# which pieces of text get a number each:
#
# ```
#  text: "Wherefore art thou"
#
#  characters   W h e r e f o r e _ a r t _ t h o u         18 tokens, vocabulary ~ 100
#  words        Wherefore | art | thou                       3 tokens, vocabulary ~ 100,000+
#  subwords     Where | fore | _art | _thou                  4 tokens, vocabulary ~ 1,000-50,000
#               (_ marks a space)
# ```
#
# - **Characters**: a tiny vocabulary, nothing is ever unknown as long as the vocabulary
#   holds every character, but sequences are long: the network must spend its attention
#   putting letters back together into words.
# - **Words**: short sequences, but the vocabulary explodes (every name, every inflection,
#   every typo), and a word never seen in training has no id at all.
# - **Subwords**: the compromise every modern language model makes. Frequent words get one
#   token, rare words are spelled out of smaller pieces, and the vocabulary size is a knob.
#
# Whatever the pieces, a tokenizer is two functions, and they must be inverse:
#
# ```
#  encode: str -> ids (a 1-D array of int64, each in 0 .. vocab_size - 1)
#  decode: ids -> str                 decode(encode(text)) == text
# ```
#
# In tinytorch `encode` returns a NumPy array of int64: a million ids cost 8 MB as an array;
# as a Python list, up to 36 MB (an 8-byte pointer per entry, plus a 28-byte int object
# for every id above 256, where Python's cache of small ints ends). And the array goes
# straight into a Tensor (`Tensor(ids)` keeps the integer dtype). `decode` accepts a list, an array or a Tensor of
# integers.
#
# ## 2. Characters as numbers: code points
#
# Python already numbers every character: its Unicode **code point**, `ord("A") == 65`,
# `ord("é") == 233`, `ord("😀") == 128512`. NumPy can read a whole string's code points at
# once from its UTF-32 encoding, where every character takes exactly four bytes:
#
# ```
#  "Hi!"  --encode("utf-32-le")-->  48 00 00 00 | 69 00 00 00 | 21 00 00 00
#         --np.frombuffer(..., "<u4")-->  [72, 105, 33]
# ```
#
# The two helpers below do this in both directions. They, and the checks of what a
# tokenizer is given, are written for you.

# %% nbgrader={"grade": false, "grade_id": "helpers", "solution": false}
#| export
def code_points(text):
    """The code point of every character of `text`, as a 1-D uint32 array (no Python loop)."""
    # surrogatepass: a str may hold a lone surrogate (e.g. "\ud800"); keep it rather than fail.
    return np.frombuffer(text.encode("utf-32-le", "surrogatepass"), dtype="<u4")


def text_from_code_points(codes):
    """The str whose characters have the code points `codes` (the inverse of code_points)."""
    return np.asarray(codes, dtype="<u4").tobytes().decode("utf-32-le", "surrogatepass")


def check_text(text, owner):
    """Refuse anything but a str, naming the tokenizer method (`owner`) that was given it."""
    if not isinstance(text, str):
        hint = " (decode bytes to str first)" if isinstance(text, (bytes, bytearray)) else ""
        raise TypeError(f"{owner} expects a str, got {type(text).__name__}{hint}")


def check_utf8(text, owner):
    """Refuse a str that UTF-8 cannot encode: one holding a lone surrogate such as "\\ud800"."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError as error:
        raise ValueError(
            f"{owner}: the text holds a lone surrogate {text[error.start]!r} at position {error.start}, "
            "which is not a character and has no UTF-8 bytes"
        ) from None


def _is_integer(value):
    """An int or NumPy integer, but not a bool (True is an int in Python, never a count or an id)."""
    return isinstance(value, (int, np.integer)) and not isinstance(value, (bool, np.bool_))


def check_ids(ids, vocab_size, owner):
    """The token ids `ids` (a list, array or Tensor of integers) as a 1-D int64 array, checked.

    Raises TypeError for ids that are not integers, ValueError for more than one dimension
    or for an id outside 0 .. vocab_size - 1 (naming the first such id and its position).
    """
    array = ids.data if isinstance(ids, Tensor) else np.asarray(ids)
    if array.size == 0 and array.dtype.kind not in "iu":
        array = array.astype(np.int64)  # [] arrives as float64: an empty list of ids is fine
    if array.dtype.kind not in "iu":
        raise TypeError(f"{owner} expects integer token ids, got an array of {array.dtype}")
    if array.ndim != 1:
        raise ValueError(f"{owner} expects a 1-D sequence of token ids, got shape {array.shape}")
    bad = (array < 0) | (array >= vocab_size)
    if bad.any():
        position = int(np.argmax(bad))
        raise ValueError(
            f"{owner}: token id {int(array[position])} at position {position} is out of range; "
            f"the vocabulary has {vocab_size} ids, 0 to {vocab_size - 1}"
        )
    return array.astype(np.int64, copy=False)


# %% [markdown]
# ## 3. CharTokenizer
#
# The vocabulary is every distinct character of a corpus. Its **order** must be fixed:
# ids are what a trained model remembers, so the same corpus must give the same ids in
# every run, on every machine. Python's `set` has no reliable order for strings (it depends
# on a hash that changes between processes), so we sort: id `i` is the `i`-th smallest
# code point.
#
# ```
#  corpus "to be or not"   distinct characters, sorted by code point:
#
#  id     0    1    2    3    4    5    6
#  char  ' '  'b'  'e'  'n'  'o'  'r'  't'
#  code   32   98  101  110  111  114  116
# ```
#
# **Encoding without a loop.** Because the vocabulary's code points are sorted,
# finding a character's id is a binary search, and `np.searchsorted(sorted, values)`
# performs one for every value at once: it returns, for each value, the index at which it
# would be inserted to keep the array sorted. For a character in the vocabulary that index
# is exactly its id.
#
# ```
#  codes (sorted)  [ 32  98 101 110 111 114 116]
#  text "be not"   [ 98 101  32 110 111 116]
#  searchsorted -> [  1   2   0   3   4   6]      = the ids
# ```
#
# **Unknown characters.** What if the text holds a character the corpus never had, say
# `'z'` (code 122)? `searchsorted` still returns an index, 7 (after 116), and an index is
# not an answer: a character between two known ones (`'c'`, code 99) would get 2, the id
# of `'e'`, and the model would silently read the wrong letter. So `encode` checks that the
# code point stored at each returned index really is the character's own, and refuses the
# text otherwise.
#
# We chose an error over an `<unk>` id on purpose: a character vocabulary is tiny and built
# from the whole corpus, so an unknown character means the tokenizer was built from the
# wrong text, a bug better found at once. The error names the character and its position.
# (For text that may hold anything, use the BPE tokenizer of section 5: it has nothing
# unknown by construction.)

# %% nbgrader={"grade": false, "grade_id": "char-tokenizer", "solution": true}
#| export
class CharTokenizer:
    """One id per character of a corpus, in code point order.

    Attributes:
        chars: the vocabulary as a str, sorted; id i is chars[i].
        codes: their code points, a sorted uint32 array; id i is codes[i].
        vocab_size: len(chars).

    Example:
        >>> tokenizer = CharTokenizer("to be or not")
        >>> tokenizer.chars, tokenizer.encode("be not").tolist()
        (' benort', [1, 2, 0, 3, 4, 6])
        >>> tokenizer.decode([6, 4])
        'to'
    """

    def __init__(self, corpus):
        """
        TODO: the vocabulary: every distinct character of the corpus, sorted.

        APPROACH:
        1. The distinct characters are set(corpus); sort them (str order is code point order).
        2. Store them joined as the str self.chars.
        3. Store their code points as self.codes (use code_points, above).

        EXAMPLE:
        >>> CharTokenizer("hello").chars
        'ehlo'

        HINTS:
        - sorted() of a set of characters returns a list of characters; "".join(...) glues them.
        """
        check_text(corpus, "CharTokenizer")
        if not corpus:
            raise ValueError("CharTokenizer needs a non-empty corpus to take its characters from")
        ### BEGIN SOLUTION
        self.chars = "".join(sorted(set(corpus)))
        self.codes = code_points(self.chars)
        ### END SOLUTION

    @property
    def vocab_size(self):
        return len(self.chars)

    def encode(self, text):
        """
        TODO: the id of every character of `text`, as a 1-D int64 array.

        APPROACH:
        1. Read the text's code points with code_points.
        2. np.searchsorted of them in self.codes says where each one sits in the vocabulary.
        3. An id can be vocab_size (past the end) or point at another character: clip the
           ids to vocab_size - 1, look up the code point stored there, and compare it with
           the character's own. Where they differ, the character is unknown.
        4. If any character is unknown, raise ValueError naming the first one (with repr)
           and its position, e.g.
           CharTokenizer.encode: character 'z' (U+007A) at position 3 is not in the vocabulary ...
        5. Return the ids as int64.

        EXAMPLE:
        >>> CharTokenizer("abc").encode("cab").tolist()
        [2, 0, 1]
        >>> CharTokenizer("abc").encode("abz")
        Traceback (most recent call last):
        ValueError: CharTokenizer.encode: character 'z' (U+007A) at position 2 is not in the vocabulary ...

        HINTS:
        - np.argmax on a boolean array gives the index of its first True.
        - f"U+{code:04X}" writes a code point the Unicode way.
        """
        check_text(text, "CharTokenizer.encode")
        ### BEGIN SOLUTION
        codes = code_points(text)
        ids = np.searchsorted(self.codes, codes)
        unknown = self.codes[np.minimum(ids, self.vocab_size - 1)] != codes
        if unknown.any():
            position = int(np.argmax(unknown))
            raise ValueError(
                f"CharTokenizer.encode: character {text[position]!r} (U+{int(codes[position]):04X}) at position "
                f"{position} is not in the vocabulary of {self.vocab_size} characters "
                f"({int(unknown.sum())} unknown in all); build the tokenizer from a corpus that holds it, "
                "or use BPETokenizer, which encodes any text"
            )
        return ids.astype(np.int64)
        ### END SOLUTION

    def decode(self, ids):
        """
        TODO: the text whose characters have these ids.

        APPROACH:
        1. Check and convert the ids with check_ids, naming "CharTokenizer.decode" as the
           owner so that its errors say which method refused them.
        2. Indexing self.codes with the id array gives all their code points at once.
        3. text_from_code_points turns code points back into a str.

        EXAMPLE:
        >>> CharTokenizer("abc").decode([2, 0, 1])
        'cab'
        """
        ### BEGIN SOLUTION
        ids = check_ids(ids, self.vocab_size, "CharTokenizer.decode")
        return text_from_code_points(self.codes[ids])
        ### END SOLUTION

    def __repr__(self):
        return f"CharTokenizer(vocab_size={self.vocab_size})"


# %% [markdown]
# ### Unit test: CharTokenizer
#
# **Tests**: the vocabulary is sorted and complete; exact ids for a known text; the round
# trip; characters outside the vocabulary (below, between and above the known ones) are
# refused with the character and its position; out-of-range ids and non-integer ids are
# refused by decode.

# %% nbgrader={"grade": true, "grade_id": "test-char-tokenizer", "locked": true, "points": 15}
def test_unit_char_tokenizer():
    print("Unit test: CharTokenizer...")
    corpus = "Now is the winter of our discontent, made glorious summer!"
    tokenizer = CharTokenizer(corpus)
    expected_chars = " !,Nacdefghilmnorstuw"
    assert tokenizer.chars == expected_chars, f"vocabulary: expected {expected_chars!r} (sorted), got {tokenizer.chars!r}"
    assert tokenizer.vocab_size == 21, f"vocab_size: expected 21, got {tokenizer.vocab_size}"
    assert tokenizer.codes.tolist() == [ord(c) for c in expected_chars], "codes are the chars' code points"

    ids = tokenizer.encode("Now, summer")
    expected = [3, 15, 20, 2, 0, 17, 19, 13, 13, 7, 16]
    assert isinstance(ids, np.ndarray) and ids.dtype == np.int64, f"expected an int64 array, got {type(ids).__name__} {getattr(ids, 'dtype', '')}"
    assert ids.tolist() == expected, f"encode('Now, summer'): expected {expected}, got {ids.tolist()}"
    assert tokenizer.decode(ids) == "Now, summer", f"decode(encode(text)): got {tokenizer.decode(ids)!r}"
    assert tokenizer.decode(expected) == "Now, summer", "decode accepts a list of ints"
    assert tokenizer.decode(Tensor(np.array(expected))) == "Now, summer", "decode accepts a Tensor of ints"
    assert tokenizer.decode(tokenizer.encode(corpus)) == corpus, "the corpus itself round-trips"
    empty = tokenizer.encode("")
    assert empty.shape == (0,) and empty.dtype == np.int64 and tokenizer.decode([]) == "", "empty text <-> no ids"

    spaced = CharTokenizer("\tab \n")
    assert spaced.chars == "\t\n ab", \
        f"every character of the corpus, whitespace at its ends included: expected '\\t\\n ab', got {spaced.chars!r}"
    unicode = CharTokenizer("añb😀")
    assert unicode.encode("😀ñ").tolist() == [3, 2], f"non-ASCII characters: expected [3, 2], got {unicode.encode('😀ñ').tolist()}"
    assert unicode.decode([3, 0]) == "😀a", f"decode([3, 0]): expected '😀a', got {unicode.decode([3, 0])!r}"

    for text, character, position in (("Now\t", "\t", 3), ("NoW", "W", 2), ("z", "z", 0), ("bear", "b", 0)):
        try:
            result = tokenizer.encode(text)
        except ValueError as error:
            message = str(error)
            assert repr(character) in message and f"position {position}" in message, \
                f"the error must name {character!r} and 'position {position}', got: {message}"
        else:
            raise AssertionError(f"encode({text!r}): {character!r} is not in the vocabulary, expected ValueError, got {result.tolist()}")

    for bad, error_type in (([21], ValueError), ([0, -1], ValueError), ([1.0], TypeError), ([[1, 2]], ValueError)):
        try:
            tokenizer.decode(bad)
        except error_type:
            pass
        else:
            raise AssertionError(f"decode({bad}) must raise {error_type.__name__}")
    for bad in (b"bytes", None, ["N", "o"]):
        try:
            tokenizer.encode(bad)
        except TypeError:
            pass
        else:
            raise AssertionError(f"encode({bad!r}) must raise TypeError: only a str is text")
    print("CharTokenizer works.")


if __name__ == "__main__":
    test_unit_char_tokenizer()

# %% [markdown]
# ## 4. Byte-pair encoding: the idea
#
# Byte-pair encoding (BPE) started as a compression method (Gage, 1994) and became the
# standard subword tokenizer for neural translation (Sennrich, Haddow and Birch, 2016) and
# then for GPT-2 (Radford et al., 2019). Training is one rule, repeated:
#
# > find the pair of adjacent tokens that occurs most often in the corpus,
# > give that pair a new id, and replace every occurrence of it by the new token.
#
# Each repetition is a **merge**; the list of merges, in the order they were learned, *is*
# the trained tokenizer.
#
# **Start from bytes, not characters.** If the base vocabulary were the corpus's
# characters, a new character (an accent, an emoji) would be unknown. So we start from the
# 256 possible **bytes** of UTF-8: every str is a sequence of bytes, so every text can be
# encoded, whatever it holds. Ids 0-255 are the bytes themselves; merge number `r` creates
# id `256 + r`; `vocab_size = 256 + number of merges`. ASCII characters are one byte each;
# `"é"` is two bytes (195, 169), `"😀"` four.
#
# **Split into words first.** Merges must not glue the end of one word to the start of
# the next, or the vocabulary fills with accidents like `"e t"`. So the text is first cut
# into words, each with the space before it, as GPT-2 does, and pairs are only counted
# inside a word:
#
# ```
#  "to be or not to be"  -->  "to" | " be" | " or" | " not" | " to" | " be"
# ```
#
# A word that occurs 1,000 times would be counted 1,000 times; instead we keep each
# **distinct** word once, with its count, and weight its pairs by that count. Shakespeare's
# 1,036,496 characters hold about 289,000 words but only about 15,600 distinct ones: the
# work per merge shrinks eightfold.
#
# **Worked example** on `"to be or not to be"`: the distinct words and their counts are
# `to` 1, ` be` 2, ` or` 1, ` not` 1, ` to` 1. The pair counts, weighted:
#
# ```
#  ' b' 2   'be' 2   'to' 2   ' n' 1   ' o' 1   ' t' 1   'no' 1   'or' 1   'ot' 1
# ```
#
# Three pairs tie at 2. The **tie-break** must be fixed, or two runs could learn different
# tokenizers: among equal counts we take the pair with the smallest ids, comparing the
# left id first, then the right (ordinary tuple order). `' b'` is (32, 98), `'be'` is
# (98, 101), `'to'` is (116, 111): merge 0 is `' b'`, id 256. Then ` be` is the tokens
# (256, 101), and the next merges are `'to'` (257) and `' be'` (258):
#
# ```
#  merges = [(32, 98), (116, 111), (256, 101)]      vocab_size = 259
#  " be"  =  [32, 98, 101]  ->  [256, 101]  ->  [258]
# ```
#
# Training stops when `vocab_size` is reached, or earlier when no pair occurs at least
# twice any more (a merge that saves one token in the whole corpus is memorisation, not
# compression); `tokenizer.vocab_size` then says how far it got.
#
# ## 5. BPE with arrays
#
# The splitting into words is given: a regular expression that matches, in order of
# preference, a word of letters/digits with an optional space before it, a run of
# punctuation with an optional space before it, and runs of whitespace (leaving a single
# space in front of the next word to that word). Every character falls in exactly one
# piece, so joining the pieces gives the text back.
#
# To count and merge pairs with NumPy instead of Python loops, all distinct words go
# into **one** array of token ids, with `-1` (never a token id) between two words:
#
# ```
#  words    "to"        " be"            " or"          ...
#  tokens  [116 111  -1  32  98 101  -1  32 111 114  -1 ...]
#  counts  [  1           2               1            ...]     one count per word
# ```
#
# A pair is two neighbouring entries `tokens[i], tokens[i + 1]`, both not -1. The word
# that position `i` belongs to is the number of -1s before it, so its weight is
# `counts[cumsum(tokens == -1)[i]]`.

# %% nbgrader={"grade": false, "grade_id": "words", "solution": false}
#| export
BYTE_VOCAB = 256  # ids 0-255 are the bytes; merge r creates id BYTE_VOCAB + r
SEPARATOR = -1  # stands between two words in a packed token array; never a token id

# A word (letters, digits, _) or a run of other visible characters, each with the space
# before it; or whitespace, leaving one space to the word that follows it.
_WORD = re.compile(r" ?\w+| ?[^\w\s]+|\s+(?!\S)|\s+")


def split_words(text):
    """Cut `text` into the pieces BPE merges within: "".join(split_words(text)) == text."""
    return _WORD.findall(text)


def pack_words(words):
    """The UTF-8 bytes of every word in one int64 array, SEPARATOR (-1) between two words."""
    encoded = [word.encode("utf-8") for word in words]
    lengths = np.fromiter(map(len, encoded), dtype=np.int64, count=len(encoded))
    tokens = np.frombuffer(b"".join(encoded), dtype=np.uint8).astype(np.int64)
    return np.insert(tokens, np.cumsum(lengths)[:-1], SEPARATOR)


def unpack_words(tokens):
    """The inverse of pack_words for any token ids: one int64 array per word."""
    pieces = np.split(tokens, np.flatnonzero(tokens == SEPARATOR))
    return [pieces[0]] + [piece[1:] for piece in pieces[1:]]  # each later piece starts with its -1


# %% [markdown]
# ### Counting pairs
#
# Turn each valid pair into one integer, `code = left * span + right` with `span` larger
# than every id, so that equal pairs get equal codes and the codes sort like the pairs
# (left first, then right). `np.unique(codes, return_inverse=True)` then lists the
# distinct pairs in that order and says which one each position holds, and
# `np.bincount(inverse, weights=...)` adds up the weights of each:
#
# ```
#  tokens  [ 1  2 -1  2  1  2]        counts [3, 1]  (word "1 2" three times, "2 1 2" once)
#  pairs    (1,2)  .  .  (2,1) (1,2)   (the two pairs touching -1 are not pairs)
#  weight     3          1     1
#  result  pairs [[1, 2], [2, 1]]   counts [4, 1]
# ```

# %% nbgrader={"grade": false, "grade_id": "count-pairs", "solution": true}
#| export
def count_pairs(tokens, word_counts):
    """How often each pair of adjacent tokens occurs, each word weighted by its count.

    Args:
        tokens: 1-D int64 array of packed words (pack_words), SEPARATOR between words.
        word_counts: 1-D array, word_counts[k] = how many times word k occurs in the corpus.

    Returns:
        (pairs, counts): pairs an int64 array of shape (P, 2), each distinct pair once, sorted
        by left id then right id; counts an int64 array of shape (P,). Every adjacent position
        inside a word counts, so the word "aaa" holds the pair (a, a) twice.

    TODO: count the pairs with one np.unique and one np.bincount.

    APPROACH:
    1. The left members of the pairs are the tokens without the last one, the right members
       the tokens without the first one; a pair is valid where neither is SEPARATOR.
    2. Weights: the word of position i is the number of SEPARATORs up to i (np.cumsum);
       look up its count. Keep the weights of the valid left positions.
    3. span = largest id + 1; each valid pair's code is left * span + right.
    4. np.unique with return_inverse=True gives the distinct codes (sorted) and which one
       each position holds; np.bincount of that with the weights adds up each pair's
       count (it returns floats: make them int64).
    5. Decode each distinct code back into (left, right) with // and %.

    EXAMPLE:
    >>> pairs, counts = count_pairs(np.array([1, 2, -1, 2, 1, 2]), np.array([3, 1]))
    >>> pairs.tolist(), counts.tolist()
    ([[1, 2], [2, 1]], [4, 1])

    HINTS:
    - With no valid pair at all, return np.zeros((0, 2), np.int64), np.zeros(0, np.int64).
    """
    ### BEGIN SOLUTION
    left, right = tokens[:-1], tokens[1:]
    valid = (left != SEPARATOR) & (right != SEPARATOR)
    if not valid.any():
        return np.zeros((0, 2), dtype=np.int64), np.zeros(0, dtype=np.int64)
    weights = np.asarray(word_counts)[np.cumsum(tokens == SEPARATOR)[:-1]]
    span = int(tokens.max()) + 1
    codes = left[valid] * span + right[valid]
    unique, inverse = np.unique(codes, return_inverse=True)
    counts = np.bincount(inverse, weights=weights[valid]).astype(np.int64)
    return np.stack([unique // span, unique % span], axis=1), counts
    ### END SOLUTION


# %% [markdown]
# ### Unit test: count_pairs
#
# **Tests**: exact pairs and counts for small packed arrays; pairs never cross a word
# boundary; each word's pairs are weighted by its count; repeated pairs inside a word
# count every time; the order is by left id, then right id; nothing to count gives empty
# arrays.

# %% nbgrader={"grade": true, "grade_id": "test-count-pairs", "locked": true, "points": 10}
def test_unit_count_pairs():
    print("Unit test: count_pairs...")

    def check(tokens, word_counts, expected_pairs, expected_counts):
        pairs, counts = count_pairs(np.array(tokens, dtype=np.int64), np.array(word_counts))
        got = (np.asarray(pairs).tolist(), np.asarray(counts).tolist())
        assert got == (expected_pairs, expected_counts), \
            f"count_pairs({tokens}, {word_counts}): expected pairs {expected_pairs} counts {expected_counts}, got pairs {got[0]} counts {got[1]}"
        assert np.asarray(counts).dtype == np.int64, f"counts must be int64, got {np.asarray(counts).dtype}"

    check([1, 2, -1, 2, 1, 2], [3, 1], [[1, 2], [2, 1]], [4, 1])
    check([7, 3, 7, 3], [1], [[3, 7], [7, 3]], [1, 2])
    check([5, 5, 5], [2], [[5, 5]], [4])
    check([9, -1, 9, -1, 9], [1, 1, 1], [], [])
    check([4], [10], [], [])
    check([300, 2, -1, 2, 300, -1, 300, 2], [1, 5, 2], [[2, 300], [300, 2]], [5, 3])
    check([0, 1, -1, 1, 0], [2, 2], [[0, 1], [1, 0]], [2, 2])

    # The worked example of section 4.
    words = split_words("to be or not to be")
    distinct = list(dict.fromkeys(words))
    pairs, counts = count_pairs(pack_words(distinct), np.array([words.count(w) for w in distinct]))
    table = {bytes(pair.tolist()).decode(): int(count) for pair, count in zip(np.asarray(pairs), np.asarray(counts))}
    expected = {" b": 2, "be": 2, "to": 2, " n": 1, " o": 1, " t": 1, "no": 1, "or": 1, "ot": 1}
    assert table == expected, f"'to be or not to be': expected {expected}, got {table}"
    print("count_pairs works.")


if __name__ == "__main__":
    test_unit_count_pairs()

# %% [markdown]
# ### Merging a pair
#
# Replace every occurrence of `(left, right)` by `new_id`: write `new_id` where the pair
# starts and delete the position after it. Finding the starts is one comparison of the
# array with itself shifted by one:
#
# ```
#  tokens   [ 1  2  3  1  2 -1  2]       merge (1, 2) -> 9
#  starts      ^        ^                (tokens[:-1] == 1) & (tokens[1:] == 2)
#  result   [ 9  3  9 -1  2]
# ```
#
# **The trap: a pair of two equal tokens.** In `a a a`, the pair `(a, a)` starts at
# positions 0 *and* 1, but those two occurrences share the middle `a`: only one of them
# can be merged. Reading left to right, as every BPE implementation does, `a a a` becomes
# `aa a`, and `a a a a` becomes `aa aa`. In a run of consecutive starts, only every other
# start (the first, the third, ...) may merge. Pairs of two different tokens never overlap
# like this: if `(a, b)` starts at `i`, position `i + 1` holds `b`, which cannot start
# another `(a, b)`.
#
# ```
#  tokens  [ a  a  a  a  a]      starts [0 1 2 3]  one run: offsets in the run 0 1 2 3
#  keep the even offsets: 0, 2   ->   [aa aa a]
# ```
#
# A run's first start is where the previous start is not right before it; the offset of
# each start in its run is its position minus the position of its run's first start,
# which `np.maximum.accumulate` carries forward.

# %% nbgrader={"grade": false, "grade_id": "merge-pair", "solution": true}
#| export
def merge_pair(tokens, pair, new_id):
    """A new token array with every occurrence of `pair` replaced by `new_id`, left to right.

    Occurrences never span a SEPARATOR (it equals no token id). When the pair's two ids are
    equal, overlapping occurrences merge from the left: (a, a, a) -> (new, a). `tokens` is
    not modified.

    TODO: find the starts of the pair, drop the overlapping ones, write new_id, delete the
    second halves.

    APPROACH:
    1. The starts are the positions where a token equals left and the next one equals
       right: compare the array without its last element, and without its first, then
       np.flatnonzero.
    2. If left == right: a start is the first of its run when the start before it is not
       at position - 1; carry each run's first start forward with np.maximum.accumulate
       (of the starts where a run begins, 0 elsewhere); keep the starts at an even offset
       from it.
    3. Write new_id at the starts of a copy of the tokens (the input must not change).
    4. Delete the positions right after the starts (a boolean mask, or np.delete).

    EXAMPLE:
    >>> merge_pair(np.array([1, 2, 3, 1, 2, -1, 2]), (1, 2), 9).tolist()
    [9, 3, 9, -1, 2]
    >>> merge_pair(np.array([5, 5, 5]), (5, 5), 7).tolist()
    [7, 5]
    """
    left, right = int(pair[0]), int(pair[1])
    ### BEGIN SOLUTION
    starts = np.flatnonzero((tokens[:-1] == left) & (tokens[1:] == right))
    if left == right and len(starts) > 1:
        first_of_run = np.ones(len(starts), dtype=bool)
        first_of_run[1:] = starts[1:] != starts[:-1] + 1
        run_start = np.maximum.accumulate(np.where(first_of_run, starts, 0))
        starts = starts[(starts - run_start) % 2 == 0]
    merged = tokens.copy()
    merged[starts] = new_id
    keep = np.ones(len(tokens), dtype=bool)
    keep[starts + 1] = False
    return merged[keep]
    ### END SOLUTION


# %% [markdown]
# ### Unit test: merge_pair
#
# **Tests**: exact results for small arrays; nothing merges across a word boundary; runs
# of equal tokens merge from the left, in pairs; the input array is left unchanged; a pair
# that does not occur changes nothing.

# %% nbgrader={"grade": true, "grade_id": "test-merge-pair", "locked": true, "points": 10}
def test_unit_merge_pair():
    print("Unit test: merge_pair...")
    cases = (
        ([1, 2, 3, 1, 2, -1, 2], (1, 2), 9, [9, 3, 9, -1, 2]),
        ([1, -1, 2, 1, 2], (1, 2), 9, [1, -1, 2, 9]),
        ([2, 1, 2, 1], (2, 1), 300, [300, 300]),
        ([5, 5, 5], (5, 5), 7, [7, 5]),
        ([5, 5, 5, 5], (5, 5), 7, [7, 7]),
        ([5, 5, 5, 5, 5], (5, 5), 7, [7, 7, 5]),
        ([5, 5, -1, 5, 5, 5, 3, 5, 5], (5, 5), 7, [7, -1, 7, 5, 3, 7]),
        ([3, 5, 5, 5, 3, 5, 5, 5, 5], (5, 5), 7, [3, 7, 5, 3, 7, 7]),
        ([1, 2, 3], (2, 1), 9, [1, 2, 3]),
        ([4], (4, 4), 9, [4]),
        ([], (4, 4), 9, []),
    )
    for tokens, pair, new_id, expected in cases:
        original = np.array(tokens, dtype=np.int64)
        before = original.copy()
        merged = np.asarray(merge_pair(original, pair, new_id))
        assert merged.tolist() == expected, f"merge_pair({tokens}, {pair}, {new_id}): expected {expected}, got {merged.tolist()}"
        assert np.array_equal(original, before), f"merge_pair must not modify its input: {tokens} became {original.tolist()}"
    print("merge_pair works.")


if __name__ == "__main__":
    test_unit_merge_pair()

# %% [markdown]
# ### Training and using the tokenizer
#
# **Training** puts the pieces together:
#
# ```
#  words  = split_words(corpus)               distinct words and their counts
#  tokens = pack_words(distinct words)        bytes, -1 between words
#  for new_id = 256, 257, ... vocab_size - 1:
#      pairs, counts = count_pairs(tokens, word_counts)
#      stop if no pair occurs at least twice
#      best = the pair with the highest count (the first, so the smallest, on a tie)
#      merge best into new_id everywhere (merge_pair); remember best
# ```
#
# `np.unique` already sorted the pairs, so `np.argmax(counts)`, which returns the *first*
# maximum, applies the tie-break for free.
#
# **Encoding** new text replays the merges in the order they were learned, on the text's
# own distinct words: merge 0 everywhere, then merge 1 everywhere, and so on. This is the
# same tokenization as GPT-2's "merge the best-ranked pair first, repeatedly" loop: a
# merge can only use tokens made by earlier merges, so once merge `r` has been applied, no
# later merge can create a new occurrence of it. Encoding the training corpus therefore
# reproduces exactly the tokens training ended with.
#
# Then every word of the text, in order, is replaced by its tokens. Decoding looks up each
# id's bytes (`token_bytes[i]`, built when the tokenizer is made: a merge's bytes are its
# two halves' bytes joined) and decodes the bytes as UTF-8. A sequence of ids chosen by a
# model need not be valid UTF-8 (it may end in the middle of a character); those bytes
# decode to U+FFFD, the replacement character, as in GPT-2 and tiktoken, rather than
# crashing a text generator.
#
# **Differences from GPT-2's tokenizer, on purpose**: our word pattern is simpler (GPT-2
# also splits contractions such as `'s` off and treats letters and digits apart), we keep
# tokens as bytes instead of mapping bytes to printable characters, and there are no
# special tokens such as `<|endoftext|>`. The algorithm is the same.

# %% nbgrader={"grade": false, "grade_id": "bpe-tokenizer", "solution": true}
#| export
class BPETokenizer:
    """Byte-level byte-pair encoding: ids 0-255 are bytes, id 256 + r is merge r.

    Make one with `BPETokenizer.train(corpus, vocab_size)`, or from merges already learned,
    `BPETokenizer(merges)` (a list of (left id, right id) pairs, in the order learned).

    Attributes:
        merges: the list of (left, right) id pairs, in the order they were learned.
        token_bytes: token_bytes[i] is the bytes token i stands for.
        vocab_size: 256 + len(merges).

    Example:
        >>> tokenizer = BPETokenizer.train("to be or not to be", vocab_size=300)
        >>> tokenizer.merges, tokenizer.vocab_size
        ([(32, 98), (116, 111), (256, 101)], 259)
        >>> tokenizer.encode("to be").tolist()
        [257, 258]
        >>> tokenizer.decode([257, 258])
        'to be'
    """

    def __init__(self, merges=()):
        self.merges = []
        self.token_bytes = [bytes([byte]) for byte in range(BYTE_VOCAB)]
        for rank, pair in enumerate(merges):
            new_id = BYTE_VOCAB + rank
            ids = tuple(pair) if isinstance(pair, (tuple, list, np.ndarray)) else (pair,)
            if len(ids) != 2 or not all(_is_integer(i) and 0 <= i < new_id for i in ids):
                raise ValueError(
                    f"BPETokenizer: merge {rank} is {pair!r}; it must be a pair of token ids that exist "
                    f"before it, each in 0 .. {new_id - 1}"
                )
            left, right = int(ids[0]), int(ids[1])
            self.merges.append((left, right))
            self.token_bytes.append(self.token_bytes[left] + self.token_bytes[right])

    @property
    def vocab_size(self):
        return len(self.token_bytes)

    @classmethod
    def train(cls, corpus, vocab_size):
        """Learn merges from `corpus` until the vocabulary has `vocab_size` ids (or no pair occurs twice).

        TODO: count the distinct words, pack them, then merge the best pair until done.

        APPROACH:
        1. Count the words of split_words(corpus): a dict from word to count (dict keeps
           the order in which words first appear).
        2. tokens = pack_words(list of the distinct words); word_counts = their counts as
           an int64 array, in the same order.
        3. For each new_id from BYTE_VOCAB up to vocab_size - 1: count the pairs; stop if
           there is none or the highest count is below 2; take the pair at np.argmax of the
           counts (the first maximum: the tie-break), merge it into new_id everywhere, and
           append it to the merges as a tuple of two Python ints.
        4. Return cls(merges).

        EXAMPLE:
        >>> BPETokenizer.train("ab ab cd cd", vocab_size=300).merges
        [(32, 99), (97, 98), (256, 100)]

        HINTS:
        - collections.Counter would do too, but a plain dict with .get(word, 0) + 1 keeps
          this cell free of imports.
        """
        check_text(corpus, "BPETokenizer.train")
        check_utf8(corpus, "BPETokenizer.train")
        if not corpus:
            raise ValueError("BPETokenizer.train needs a non-empty corpus")
        if not _is_integer(vocab_size):
            raise TypeError(f"BPETokenizer.train: vocab_size must be an integer, got {vocab_size!r}")
        if vocab_size < BYTE_VOCAB:
            raise ValueError(
                f"BPETokenizer.train: vocab_size must be at least {BYTE_VOCAB}, the 256 byte tokens every "
                f"text is built from, got {vocab_size}"
            )
        ### BEGIN SOLUTION
        word_counts = {}
        for word in split_words(corpus):
            word_counts[word] = word_counts.get(word, 0) + 1
        tokens = pack_words(list(word_counts))
        counts_of_words = np.fromiter(word_counts.values(), dtype=np.int64, count=len(word_counts))
        merges = []
        for new_id in range(BYTE_VOCAB, vocab_size):
            pairs, counts = count_pairs(tokens, counts_of_words)
            if len(counts) == 0 or counts.max() < 2:
                break
            best = pairs[np.argmax(counts)]
            tokens = merge_pair(tokens, best, new_id)
            merges.append((int(best[0]), int(best[1])))
        return cls(merges)
        ### END SOLUTION

    def encode(self, text):
        """
        TODO: the token ids of `text`: its distinct words, merged in the learned order, then
        every word of the text replaced by its tokens.

        APPROACH:
        1. words = split_words(text). Give each distinct word an index, in order of first
           appearance (a dict), and note the index of every word of the text.
        2. Pack the distinct words (pack_words).
        3. Replay the merges in the order learned: merge number r makes id BYTE_VOCAB + r.
        4. Cut the result back into one array per distinct word (unpack_words).
        5. Concatenate the arrays of the text's words, in the text's order; return int64.
           An empty text gives an empty int64 array.

        EXAMPLE:
        >>> tokenizer = BPETokenizer.train("ab ab cd cd", vocab_size=300)
        >>> tokenizer.encode("ab cd").tolist(), tokenizer.encode("abcd").tolist()
        ([257, 258], [257, 99, 100])

        HINTS:
        - index.setdefault(word, len(index)) returns a word's index, adding it if new.
        """
        check_text(text, "BPETokenizer.encode")
        check_utf8(text, "BPETokenizer.encode")
        ### BEGIN SOLUTION
        index = {}
        order = [index.setdefault(word, len(index)) for word in split_words(text)]
        if not order:
            return np.zeros(0, dtype=np.int64)
        tokens = pack_words(list(index))
        for rank, pair in enumerate(self.merges):
            tokens = merge_pair(tokens, pair, BYTE_VOCAB + rank)
        pieces = unpack_words(tokens)
        return np.concatenate([pieces[k] for k in order]).astype(np.int64)
        ### END SOLUTION

    def decode(self, ids):
        """
        TODO: the text these ids stand for.

        APPROACH:
        1. Check and convert the ids with check_ids (owner "BPETokenizer.decode").
        2. Join the bytes of every id (self.token_bytes) into one bytes object.
        3. Decode it as UTF-8 with errors="replace": bytes that are not valid UTF-8 (a
           character cut in half) become U+FFFD instead of raising.

        EXAMPLE:
        >>> BPETokenizer().decode([104, 105])
        'hi'
        >>> BPETokenizer().decode([195])
        '\ufffd'
        """
        ### BEGIN SOLUTION
        ids = check_ids(ids, self.vocab_size, "BPETokenizer.decode")
        data = b"".join([self.token_bytes[i] for i in ids.tolist()])
        return data.decode("utf-8", errors="replace")
        ### END SOLUTION

    def __repr__(self):
        return f"BPETokenizer(vocab_size={self.vocab_size}, merges={len(self.merges)})"



# %% [markdown]
# ### Unit test: training
#
# **Tests**: the exact merges of small corpora, including ties (the smallest pair wins);
# ids count up from 256; training stops at `vocab_size` or when no pair occurs twice;
# `vocab_size=256` learns nothing; the same corpus always gives the same merges; bad
# arguments are refused.

# %% nbgrader={"grade": true, "grade_id": "test-bpe-train", "locked": true, "points": 15}
def test_unit_bpe_train():
    print("Unit test: BPETokenizer.train...")
    for corpus, vocab_size, expected in (
        ("to be or not to be", 300, [(32, 98), (116, 111), (256, 101)]),
        ("ab ab cd cd", 300, [(32, 99), (97, 98), (256, 100)]),
        ("banana bandana", 300, [(97, 110), (98, 256), (256, 97)]),
        ("banana bandana", 258, [(97, 110), (98, 256)]),
        ("aaaa aaaa", 300, [(97, 97), (256, 256)]),
        ("xyz", 300, []),
        ("to be or not to be", 256, []),
    ):
        tokenizer = BPETokenizer.train(corpus, vocab_size)
        merges = [tuple(int(i) for i in pair) for pair in tokenizer.merges]
        assert merges == expected, f"train({corpus!r}, vocab_size={vocab_size}): expected merges {expected}, got {merges}"
        assert tokenizer.vocab_size == 256 + len(expected), \
            f"train({corpus!r}, {vocab_size}): expected vocab_size {256 + len(expected)}, got {tokenizer.vocab_size}"

    tokenizer = BPETokenizer.train("to be or not to be", 300)
    assert tokenizer.token_bytes[256:] == [b" b", b"to", b" be"], f"new tokens: got {tokenizer.token_bytes[256:]}"
    poem = "Double, double toil and trouble; Fire burn and cauldron bubble. " * 3
    first, second = BPETokenizer.train(poem, 280), BPETokenizer.train(poem, 280)
    assert first.merges == second.merges and len(first.merges) == 24, \
        f"the same corpus must give the same 24 merges, got {len(first.merges)} and {len(second.merges)}"

    for arguments, error_type in ((("text", 255), ValueError), (("text", 300.0), TypeError), (("", 300), ValueError),
                                  ((b"text", 300), TypeError), (("text", True), TypeError)):
        try:
            BPETokenizer.train(*arguments)
        except error_type as error:
            if arguments[1] == 255:
                assert "256" in str(error) and "255" in str(error), f"name the minimum and the value: {error}"
        else:
            raise AssertionError(f"BPETokenizer.train{arguments!r} must raise {error_type.__name__}")
    print("BPETokenizer.train works.")


if __name__ == "__main__":
    test_unit_bpe_train()

# %% [markdown]
# ### Unit test: encode and decode
#
# **Tests**: exact ids, with merges applied inside words only and in the order learned;
# the round trip on ASCII, accented letters, other scripts and emoji; bytes that are not
# valid UTF-8 decode to U+FFFD; bad ids and bad text are refused.

# %% nbgrader={"grade": true, "grade_id": "test-bpe-encode-decode", "locked": true, "points": 15}
def test_unit_bpe_encode_decode():
    print("Unit test: BPETokenizer encode/decode...")
    tokenizer = BPETokenizer([(32, 99), (97, 98), (256, 100)])  # learned from "ab ab cd cd"
    for text, expected in (("ab cd", [257, 258]), (" ab", [32, 257]), ("abcd", [257, 99, 100]),
                           ("cd", [99, 100]), ("ab\ncd ab", [257, 10, 99, 100, 32, 257]),
                           ("ab ab ab", [257, 32, 257, 32, 257]), ("", [])):
        ids = tokenizer.encode(text)
        assert isinstance(ids, np.ndarray) and ids.dtype == np.int64, \
            f"encode must return an int64 array, got {type(ids).__name__} {getattr(ids, 'dtype', '')}"
        assert ids.tolist() == expected, f"encode({text!r}): expected {expected}, got {ids.tolist()}"
        assert tokenizer.decode(ids) == text, f"decode(encode({text!r})) gave {tokenizer.decode(ids)!r}"

    # Merge order matters: merge 1 can only apply after merge 0 made its left token.
    ordered = BPETokenizer([(97, 97), (256, 97), (256, 256)])
    assert ordered.encode("aaaa").tolist() == [258], f"'aaaa' with merges aa, aa+a, aa+aa: expected [258], got {ordered.encode('aaaa').tolist()}"
    assert ordered.encode("aaa").tolist() == [257], f"'aaa': expected [257], got {ordered.encode('aaa').tolist()}"

    # Merges stay inside the pieces of split_words: "    x" is "   " + " x", so (32, 32) merges once, not twice.
    spaces = BPETokenizer([(32, 32)])
    assert spaces.encode("    x").tolist() == [256, 32, 32, 120], \
        f"encode('    x') with the merge (32, 32): expected [256, 32, 32, 120] (pieces '   ' and ' x'), got {spaces.encode('    x').tolist()}"

    bytes_only = BPETokenizer()
    assert bytes_only.vocab_size == 256 and bytes_only.encode("é😀").tolist() == [195, 169, 240, 159, 152, 128], \
        f"with no merges the ids are the UTF-8 bytes: expected [195, 169, 240, 159, 152, 128], got {bytes_only.encode('é😀').tolist()}"
    for text in ("Hello, world!", "café crème", "Ünïcödé ☃ 日本語 😀🎭", "  leading and trailing  \n\n", "a\tb\r\nc"):
        for which in (tokenizer, BPETokenizer.train("café crème, café noir; 日本語 日本", 270)):
            assert which.decode(which.encode(text)) == text, f"round trip of {text!r} failed: got {which.decode(which.encode(text))!r}"
    assert bytes_only.decode([195]) == "\ufffd", f"half a character decodes to U+FFFD, got {bytes_only.decode([195])!r}"
    assert bytes_only.decode([104, 195, 105]) == "h\ufffdi", f"a broken byte in the middle becomes U+FFFD, got {bytes_only.decode([104, 195, 105])!r}"
    assert tokenizer.decode(Tensor(np.array([257, 258]))) == "ab cd", "decode accepts a Tensor of ids"

    for bad, error_type in (([259], ValueError), ([-1], ValueError), ([1.5], TypeError), ([[257]], ValueError)):
        try:
            tokenizer.decode(bad)
        except error_type as error:
            if bad in ([259], [-1]):
                assert str(bad[0]) in str(error) and "259" in str(error), f"name the id and the vocabulary size: {error}"
        else:
            raise AssertionError(f"decode({bad}) must raise {error_type.__name__}")
    for bad, error_type in ((b"ab", TypeError), (None, TypeError), ("a\ud800b", ValueError)):
        try:
            tokenizer.encode(bad)
        except error_type:
            pass
        else:
            raise AssertionError(f"encode({bad!r}) must raise {error_type.__name__}")
    print("BPETokenizer encode/decode works.")


if __name__ == "__main__":
    test_unit_bpe_encode_decode()

# %% [markdown]
# ## 6. Systems analysis: vocabulary size against sequence length
#
# The tokenizer decides two numbers that the rest of a language model has to live with:
# the **vocabulary size** `V` and the **sequence length** `T` that a given piece of text
# becomes. They pull in opposite directions:
#
# ```
#                         more merges (larger V)  -->
#  embedding table        V x d floats            grows linearly with V
#  output layer + logits  d x V weights, and B x T x V scores per batch
#  tokens per text        T                       shrinks: each token covers more characters
#  attention scores       B x heads x T x T       shrinks with the SQUARE of T, per layer
# ```
#
# With `d = 384`, a character vocabulary of 76 needs an embedding table of 76 x 384 x 4 B
# = 114 KB; a vocabulary of 1,024 needs 1.5 MB; GPT-2's 50,257 need 77 MB, and as much
# again for the output layer unless the two share their weights. Attention, in turn,
# stores one score for every pair of positions: for 1,024 characters of context read one
# character at a time, that is 1,024 x 1,024 scores per head, per layer, per sequence;
# at 2.2 characters per token, about five times fewer (2.2 squared).
#
# How many characters a token covers is not a formula: it depends on the corpus and on
# the text being encoded. The first function measures it on Shakespeare, training on the
# seven training plays and encoding the held-out one, which the tokenizer never saw. It
# trains once, to the largest vocabulary: a tokenizer with fewer merges is simply a prefix
# of the merge list (merge `r` never depends on a later one). The second turns the
# measured ratios into memory for a fixed amount of text.

# %%
import time

from tinytorch.datasets import load_shakespeare

# %% nbgrader={"grade": false, "grade_id": "analyze-sequence-length", "solution": false}
def analyze_sequence_length(vocab_sizes=(256, 384, 512, 768, 1024)):
    """Print how many tokens the held-out play becomes with characters and with BPE of each size.

    Returns {tokenizer name: (vocab_size, characters per token)} for analyze_memory.
    """
    print("Analyzing sequence length against vocabulary size on Shakespeare...")
    train, heldout = load_shakespeare("train"), load_shakespeare("heldout")
    started = time.perf_counter()
    largest = BPETokenizer.train(train, max(vocab_sizes))
    seconds = time.perf_counter() - started
    print(f"BPE trained on the {len(train):,} characters of the training plays to {largest.vocab_size} ids "
          f"in {seconds:.1f} s ({len(largest.merges)} merges)")
    first = [largest.token_bytes[BYTE_VOCAB + r].decode("utf-8", "replace") for r in range(12)]
    print(f"First merges: {first}")
    longest = sorted(largest.token_bytes[BYTE_VOCAB:], key=len)[-6:]
    print(f"Longest tokens: {[token.decode('utf-8', 'replace') for token in longest]}")

    characters = CharTokenizer(load_shakespeare())
    measured = {"characters": (characters.vocab_size, 1.0)}
    for size in vocab_sizes:
        measured[f"BPE {size}"] = (size, len(heldout) / len(BPETokenizer(largest.merges[:size - BYTE_VOCAB]).encode(heldout)))
    print(f"\nThe held-out play, {len(heldout):,} characters:")
    print("Tokenizer  -> Vocabulary -> Tokens -> Characters per token")
    for name, (size, ratio) in measured.items():
        print(f"{name:10s} -> {size:10,} -> {round(len(heldout) / ratio):6,} -> {ratio:5.2f}")
    return measured


# %% nbgrader={"grade": false, "grade_id": "analyze-memory", "solution": false}
def analyze_memory(measured, context_chars=1024, embed_dim=384, num_heads=6, batch=32):
    """Print, for the same context of characters, the float32 memory each tokenizer implies.

    From the shapes: the embedding table V x d, the attention scores of one layer
    (batch x heads x T x T) and the logits (batch x T x V), with T = context_chars / (characters per token).
    """
    print(f"\nMemory for {context_chars:,} characters of context (d={embed_dim}, {num_heads} heads, batch {batch}, float32):")
    print("Tokenizer  -> T tokens -> Embedding table -> Attention scores / layer -> Logits")
    megabyte = 1024 * 1024
    for name, (size, ratio) in measured.items():
        tokens = int(np.ceil(context_chars / ratio))
        table = size * embed_dim * 4
        scores = batch * num_heads * tokens * tokens * 4
        logits = batch * tokens * size * 4
        print(f"{name:10s} -> {tokens:8,} -> {table / megabyte:12.2f} MB -> {scores / megabyte:19.1f} MB -> "
              f"{logits / megabyte:6.1f} MB")
    print("\nKey insights:")
    print("- Each merge adds one row to the embedding table; the table grows linearly with the vocabulary")
    print("- Fewer tokens per text shrink attention with the square of the sequence length")
    print("- The logits grow with T x V: with a large vocabulary they, not attention, become the biggest array")


if __name__ == "__main__":
    analyze_memory(analyze_sequence_length())

# %% [markdown]
# ## Module test
#
# The last check runs every unit test, then uses both tokenizers on the real corpus:
# the whole text of the plays round-trips through the character tokenizer; a vocabulary
# built from the training plays alone meets a character it does not know in the held-out
# play, and says so; BPE trained on part of the training plays learns Shakespeare's most
# common pieces first, compresses the held-out play it never saw, compresses it more with
# more merges, and gives it back exactly.

# %% nbgrader={"grade": true, "grade_id": "module-integration", "locked": true, "points": 20}
def test_module():
    print("Module test: Tokenization")
    test_unit_char_tokenizer()
    test_unit_count_pairs()
    test_unit_merge_pair()
    test_unit_bpe_train()
    test_unit_bpe_encode_decode()

    print("Integration: the tokenizers on Shakespeare...")
    text, train, heldout = load_shakespeare(), load_shakespeare("train"), load_shakespeare("heldout")
    characters = CharTokenizer(text)
    assert characters.vocab_size == 76, f"the plays hold 76 distinct characters, got vocab_size {characters.vocab_size}"
    ids = characters.encode(text)
    assert ids.shape == (len(text),) and ids.dtype == np.int64, f"one int64 id per character, got {ids.shape} {ids.dtype}"
    assert int(ids[0]) == characters.chars.index("R") and int(ids.max()) == 75, "ids follow the sorted vocabulary"
    assert characters.decode(ids) == text, "the whole corpus round-trips"
    assert Tensor(ids[:10]).dtype == np.int64, "ids become an integer Tensor, ready for an embedding lookup"
    try:
        CharTokenizer(train).encode(heldout)
    except ValueError as error:
        assert "'{'" in str(error) and "position 25966" in str(error), \
            f"the first character of the held-out play missing from the training plays is '{{' at 25966: {error}"
    else:
        raise AssertionError("a vocabulary of the training plays alone lacks '{': encoding the held-out play must fail")

    bpe = BPETokenizer.train(train[:200_000], vocab_size=320)
    assert bpe.vocab_size == 320, f"expected vocab_size 320, got {bpe.vocab_size}"
    learned = [bpe.token_bytes[i] for i in range(256, 262)]
    expected = [b" t", b"he", b" a", b" s", b"ou", b" m"]
    assert learned == expected, f"the first merges on Shakespeare: expected {expected}, got {learned}"
    sample = heldout[:20_000]
    encoded = bpe.encode(sample)
    assert bpe.decode(encoded) == sample, "the held-out play round-trips through BPE"
    ratio = len(sample) / len(encoded)
    fewer = len(sample) / len(BPETokenizer(bpe.merges[:32]).encode(sample))
    assert 1.35 < ratio < 1.55, f"64 merges: expected about 1.44 characters per token on the held-out play, got {ratio:.3f}"
    assert 1.0 < fewer < ratio, f"32 merges must compress less than 64 and more than bytes: {fewer:.3f} vs {ratio:.3f}"
    print("All tokenization tests passed. Next: tito module complete 10_tokenization")


if __name__ == "__main__":
    test_module()

# %% [markdown]
# ## Summary
#
# - A tokenizer is a pair of inverse functions, `encode: str -> ids` and
#   `decode: ids -> str`; its vocabulary must have a fixed order, because a trained model
#   remembers ids, not characters.
# - `CharTokenizer` sorts the corpus's characters and encodes with one binary search per
#   character, all at once (`np.searchsorted`); an unknown character is an error that
#   names it and its position.
# - `BPETokenizer` starts from the 256 bytes, so it can encode any text, and learns merges
#   of the most frequent adjacent pair, inside words, with the smallest pair winning ties.
#   Counting pairs is one `np.unique` and one `np.bincount` over the distinct words;
#   merging is one comparison, with care for runs of equal tokens.
# - Encoding replays the merges in order; decoding joins bytes and turns invalid UTF-8
#   into U+FFFD.
# - More merges mean a bigger embedding table and bigger logits, but shorter sequences,
#   and attention pays for sequence length squared.
#
# Export and record your work with `tito module complete 10_tokenization`.
