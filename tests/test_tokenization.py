"""tinytorch.core.tokenization: CharTokenizer and BPETokenizer, against plain-Python references."""

import json
import os
import subprocess
import sys
from collections import Counter

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import tinytorch
from conftest import REPO
from tinytorch.core.tensor import Tensor
from tinytorch.core.tokenization import (
    BPETokenizer, CharTokenizer, count_pairs, merge_pair, pack_words, split_words, unpack_words,
)
from tinytorch.datasets import load_shakespeare

# `tito module complete 10_tokenization` runs the tests marked with its module.
pytestmark = pytest.mark.module(name="10_tokenization")

# Small alphabets make long runs, many repeated pairs and many ties: the hard cases of BPE.
SMALL_TEXT = st.text(alphabet="ab \n", max_size=40)
ANY_TEXT = st.text(max_size=60)


# Plain-Python references, written the slow, obvious way, to check the vectorised code against.

def reference_merge(sequence, pair, new_id):
    """Merge `pair` in a list of ids, scanning left to right."""
    merged, i = [], 0
    while i < len(sequence):
        if i + 1 < len(sequence) and (sequence[i], sequence[i + 1]) == tuple(pair):
            merged.append(new_id)
            i += 2
        else:
            merged.append(sequence[i])
            i += 1
    return merged


def reference_train(corpus, vocab_size):
    """BPE training with dictionaries: most frequent pair first, the smallest pair on a tie."""
    word_counts = Counter(split_words(corpus))
    sequences = {word: list(word.encode("utf-8")) for word in word_counts}
    merges = []
    for new_id in range(256, vocab_size):
        pair_counts = Counter()
        for word, sequence in sequences.items():
            for pair in zip(sequence, sequence[1:]):
                pair_counts[pair] += word_counts[word]
        if not pair_counts or max(pair_counts.values()) < 2:
            break
        best = min(pair_counts, key=lambda pair: (-pair_counts[pair], pair))
        merges.append(best)
        sequences = {word: reference_merge(sequence, best, new_id) for word, sequence in sequences.items()}
    return merges


def reference_encode(text, merges):
    """GPT-2's loop, word by word: merge the best-ranked pair present, until none is a merge."""
    rank = {pair: r for r, pair in enumerate(merges)}
    ids = []
    for word in split_words(text):
        sequence = list(word.encode("utf-8"))
        while len(sequence) > 1:
            best = min(zip(sequence, sequence[1:]), key=lambda pair: rank.get(pair, len(rank)))
            if best not in rank:
                break
            sequence = reference_merge(sequence, best, 256 + rank[best])
        ids += sequence
    return ids


class TestCharTokenizer:
    def test_vocabulary_is_sorted_whatever_the_corpus_order(self):
        assert CharTokenizer("cab").chars == CharTokenizer("bca").chars == "abc"
        assert CharTokenizer("hello").vocab_size == 4 and repr(CharTokenizer("hello")) == "CharTokenizer(vocab_size=4)"

    @settings(max_examples=100, deadline=None)
    @given(ANY_TEXT.filter(bool))
    def test_round_trip_of_any_text(self, text):
        tokenizer = CharTokenizer(text)
        ids = tokenizer.encode(text)
        assert ids.dtype == np.int64 and ids.shape == (len(text),)
        assert ids.tolist() == [tokenizer.chars.index(c) for c in text]
        assert tokenizer.decode(ids) == text

    @settings(max_examples=100, deadline=None)
    @given(corpus=ANY_TEXT.filter(bool), text=ANY_TEXT)
    def test_unknown_characters_are_named_with_their_position(self, corpus, text):
        tokenizer = CharTokenizer(corpus)
        unknown = [i for i, c in enumerate(text) if c not in corpus]
        if not unknown:
            assert tokenizer.decode(tokenizer.encode(text)) == text
            return
        with pytest.raises(ValueError) as error:
            tokenizer.encode(text)
        assert f"{text[unknown[0]]!r}" in str(error.value) and f"at position {unknown[0]} " in str(error.value)
        assert f"({len(unknown)} unknown in all)" in str(error.value)

    def test_lone_surrogates_are_characters_too(self):
        tokenizer = CharTokenizer("a\ud800")
        assert tokenizer.encode("\ud800a").tolist() == [1, 0] and tokenizer.decode([1, 0]) == "\ud800a"

    def test_decode_takes_lists_arrays_and_tensors_of_any_integer_type(self):
        tokenizer = CharTokenizer("abc")
        for ids in ([2, 0], np.array([2, 0], dtype=np.uint8), np.array([2, 0], dtype=np.int32), Tensor(np.array([2, 0])),
                    range(2, -1, -2), (2, 0)):
            assert tokenizer.decode(ids) == "ca", ids

    @pytest.mark.parametrize("ids, error, message", [
        ([3], ValueError, "CharTokenizer.decode: token id 3 at position 0 is out of range; the vocabulary has 3 ids, 0 to 2"),
        ([0, 1, -1], ValueError, "token id -1 at position 2 is out of range"),
        ([0.0], TypeError, "CharTokenizer.decode expects integer token ids, got an array of float64"),
        (np.array([True]), TypeError, "got an array of bool"),
        (Tensor([1.0]), TypeError, "got an array of float32"),
        (np.zeros((2, 2), dtype=np.int64), ValueError, r"expects a 1-D sequence of token ids, got shape \(2, 2\)"),
        (["a"], TypeError, "integer token ids"),
    ])
    def test_bad_ids(self, ids, error, message):
        with pytest.raises(error, match=message):
            CharTokenizer("abc").decode(ids)

    @pytest.mark.parametrize("corpus, error, message", [
        ("", ValueError, "CharTokenizer needs a non-empty corpus"),
        (b"abc", TypeError, r"CharTokenizer expects a str, got bytes \(decode bytes to str first\)"),
        (["a", "b"], TypeError, "CharTokenizer expects a str, got list"),
    ])
    def test_bad_corpus(self, corpus, error, message):
        with pytest.raises(error, match=message):
            CharTokenizer(corpus)

    def test_encode_refuses_what_is_not_text(self):
        with pytest.raises(TypeError, match="CharTokenizer.encode expects a str, got int"):
            CharTokenizer("abc").encode(5)


class TestWordsAndPairs:
    @settings(max_examples=200, deadline=None)
    @given(ANY_TEXT)
    def test_split_words_covers_the_text(self, text):
        words = split_words(text)
        assert "".join(words) == text and all(words)

    def test_split_words_keeps_the_space_with_the_next_word(self):
        assert split_words("To be,  or not!\n") == ["To", " be", ",", " ", " or", " not", "!", "\n"]

    @settings(max_examples=100, deadline=None)
    @given(st.lists(st.text(min_size=1, max_size=8), max_size=8))
    def test_pack_and_unpack_are_inverse(self, words):
        tokens = pack_words(words)
        assert tokens.dtype == np.int64 and int((tokens == -1).sum()) == max(len(words) - 1, 0)
        unpacked = unpack_words(tokens) if words else []
        assert [bytes(piece.astype(np.uint8).tolist()).decode("utf-8") for piece in unpacked] == words

    @settings(max_examples=150, deadline=None)
    @given(st.lists(st.lists(st.integers(0, 5), min_size=1, max_size=7), min_size=1, max_size=6), st.data())
    def test_count_pairs_matches_counting_by_hand(self, words, data):
        word_counts = data.draw(st.lists(st.integers(1, 9), min_size=len(words), max_size=len(words)))
        expected = Counter()
        for word, count in zip(words, word_counts):
            for pair in zip(word, word[1:]):
                expected[pair] += count
        tokens = np.concatenate([np.array(word + [-1]) for word in words])[:-1]
        pairs, counts = count_pairs(tokens, np.array(word_counts))
        assert pairs.dtype == np.int64 and counts.dtype == np.int64 and pairs.shape == (len(expected), 2)
        assert [tuple(pair) for pair in pairs.tolist()] == sorted(expected)
        assert counts.tolist() == [expected[pair] for pair in sorted(expected)]

    @settings(max_examples=200, deadline=None)
    @given(st.lists(st.integers(-1, 3), max_size=20), st.integers(0, 3), st.integers(0, 3))
    def test_merge_pair_matches_a_left_to_right_scan(self, tokens, left, right):
        merged = merge_pair(np.array(tokens, dtype=np.int64), (left, right), 99)
        assert merged.tolist() == reference_merge(tokens, (left, right), 99)


class TestBPETokenizer:
    @settings(max_examples=60, deadline=None)
    @given(corpus=SMALL_TEXT, vocab_size=st.integers(256, 280))
    def test_training_matches_the_reference(self, corpus, vocab_size):
        if not corpus:
            return
        assert BPETokenizer.train(corpus, vocab_size).merges == reference_train(corpus, vocab_size)

    @settings(max_examples=60, deadline=None)
    @given(corpus=SMALL_TEXT.filter(bool), text=SMALL_TEXT)
    def test_encoding_matches_gpt2_best_rank_first_loop(self, corpus, text):
        tokenizer = BPETokenizer.train(corpus, 280)
        assert tokenizer.encode(text).tolist() == reference_encode(text, tokenizer.merges)

    @settings(max_examples=100, deadline=None)
    @given(corpus=ANY_TEXT.filter(bool), text=ANY_TEXT)
    def test_round_trip_of_any_text(self, corpus, text):
        tokenizer = BPETokenizer.train(corpus, 300)
        ids = tokenizer.encode(text)
        assert ids.dtype == np.int64 and ids.ndim == 1
        assert ids.size == 0 or (ids.min() >= 0 and ids.max() < tokenizer.vocab_size)
        assert tokenizer.decode(ids) == text

    def test_on_shakespeare_training_and_encoding_match_the_references(self):
        corpus = load_shakespeare("train")[:50_000]
        tokenizer = BPETokenizer.train(corpus, 400)
        assert tokenizer.merges == reference_train(corpus, 400)
        ids = tokenizer.encode(corpus)
        assert ids.tolist() == reference_encode(corpus, tokenizer.merges)
        assert tokenizer.decode(ids) == corpus and len(ids) < len(corpus) / 1.5

    def test_a_smaller_vocabulary_is_a_prefix_of_a_larger_one(self):
        corpus = load_shakespeare("train")[:80_000]
        assert BPETokenizer.train(corpus, 300).merges == BPETokenizer.train(corpus, 350).merges[:300 - 256]

    def test_merges_are_the_same_in_every_process(self):
        """Nothing depends on Python's per-process string hashing (sets and dicts of str)."""
        script = ("from tinytorch.core.tokenization import BPETokenizer, CharTokenizer; "
                  "from tinytorch.datasets import load_shakespeare; t = load_shakespeare('heldout')[:30000]; "
                  "print(BPETokenizer.train(t, 300).merges, CharTokenizer(t).chars)")
        outputs = {
            subprocess.run([sys.executable, "-c", script], cwd=REPO, capture_output=True, text=True, check=True,
                           env={**os.environ, "PYTHONHASHSEED": seed}, timeout=120).stdout
            for seed in ("1", "2", "3")
        }
        assert len(outputs) == 1, outputs

    def test_merges_survive_json(self):
        tokenizer = BPETokenizer.train("the cat and the hat and the bat", 270)
        rebuilt = BPETokenizer(json.loads(json.dumps(tokenizer.merges)))
        assert rebuilt.merges == tokenizer.merges and rebuilt.token_bytes == tokenizer.token_bytes
        assert rebuilt.encode("the rat").tolist() == tokenizer.encode("the rat").tolist()
        assert repr(rebuilt) == f"BPETokenizer(vocab_size={256 + len(tokenizer.merges)}, merges={len(tokenizer.merges)})"

    def test_ids_that_are_not_utf8_decode_to_replacement_characters(self):
        tokenizer = BPETokenizer()
        smile = tokenizer.encode("😀").tolist()
        assert smile == [240, 159, 152, 128]
        assert tokenizer.decode(smile[:3]) == "\ufffd" and tokenizer.decode(smile[::-1]).count("\ufffd") == 4

    @pytest.mark.parametrize("merges, message", [
        ([(256, 1)], r"merge 0 is \(256, 1\); it must be a pair of token ids that exist before it, each in 0 .. 255"),
        ([(1, 2), (1, 258)], r"merge 1 is \(1, 258\).*each in 0 .. 256"),
        ([5], "merge 0 is 5"),
        ([(1, 2, 3)], r"merge 0 is \(1, 2, 3\)"),
        ([(True, 1)], "merge 0 is"),
        ([(1.0, 2)], "merge 0 is"),
        ([(-1, 2)], "merge 0 is"),
    ])
    def test_bad_merges(self, merges, message):
        with pytest.raises(ValueError, match=message):
            BPETokenizer(merges)

    @pytest.mark.parametrize("corpus, vocab_size, error, message", [
        ("text", 255, ValueError, "vocab_size must be at least 256, the 256 byte tokens every text is built from, got 255"),
        ("text", 0, ValueError, "got 0"),
        ("text", 300.0, TypeError, "vocab_size must be an integer, got 300.0"),
        ("text", True, TypeError, "vocab_size must be an integer, got True"),
        ("text", "300", TypeError, "got '300'"),
        ("", 300, ValueError, "BPETokenizer.train needs a non-empty corpus"),
        (b"text", 300, TypeError, "BPETokenizer.train expects a str, got bytes"),
        ("a\udc80b", 300, ValueError, r"lone surrogate '\\udc80' at position 1"),
    ])
    def test_bad_training_arguments(self, corpus, vocab_size, error, message):
        with pytest.raises(error, match=message):
            BPETokenizer.train(corpus, vocab_size)

    def test_bad_text_and_ids(self):
        tokenizer = BPETokenizer([(97, 98)])
        with pytest.raises(ValueError, match="BPETokenizer.decode: token id 257 at position 1 is out of range; "
                                             "the vocabulary has 257 ids, 0 to 256"):
            tokenizer.decode([256, 257])
        with pytest.raises(TypeError, match="BPETokenizer.decode expects integer token ids, got an array of float64"):
            tokenizer.decode(np.array([97.0]))
        with pytest.raises(TypeError, match="BPETokenizer.encode expects a str, got NoneType"):
            tokenizer.encode(None)
        with pytest.raises(ValueError, match=r"BPETokenizer.encode: the text holds a lone surrogate '\\ud800' at position 0"):
            tokenizer.encode("\ud800")


def test_the_package_re_exports_both_tokenizers():
    assert tinytorch.CharTokenizer is CharTokenizer and tinytorch.BPETokenizer is BPETokenizer
    assert {"CharTokenizer", "BPETokenizer"} <= set(tinytorch.__all__)


def test_character_vocabulary_of_shakespeare():
    text = load_shakespeare()
    tokenizer = CharTokenizer(text)
    assert tokenizer.chars == "".join(sorted(set(text))) and tokenizer.vocab_size == 76
    ids = tokenizer.encode(text)
    assert np.array_equal(np.bincount(ids, minlength=76), [text.count(c) for c in tokenizer.chars])
