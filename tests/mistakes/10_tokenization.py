"""Realistic learner mistakes in Module 10, each a patch of one solution region."""
MISTAKES = [
    dict(
        id="char-vocabulary-unsorted",
        why="the vocabulary keeps the order of set(), which changes between processes, so ids are not reproducible",
        find='        self.chars = "".join(sorted(set(corpus)))\n',
        replace='        self.chars = "".join(set(corpus))\n',
    ),
    dict(
        id="char-encode-no-unknown-check",
        why="encode trusts np.searchsorted and never checks that the character is really in the vocabulary",
        find="        if unknown.any():\n"
             "            position = int(np.argmax(unknown))\n"
             "            raise ValueError(\n"
             '                f"CharTokenizer.encode: character {text[position]!r} (U+{int(codes[position]):04X}) at position "\n'
             '                f"{position} is not in the vocabulary of {self.vocab_size} characters "\n'
             '                f"({int(unknown.sum())} unknown in all); build the tokenizer from a corpus that holds it, "\n'
             '                "or use BPETokenizer, which encodes any text"\n'
             "            )\n",
        replace="",
    ),
    dict(
        id="char-encode-only-past-the-end-is-unknown",
        why="only ids past the end count as unknown; a character below or between known ones gets a neighbour's id",
        find="        unknown = self.codes[np.minimum(ids, self.vocab_size - 1)] != codes\n",
        replace="        unknown = ids >= self.vocab_size\n",
    ),
    dict(
        id="char-encode-searchsorted-right",
        why="side='right' returns the index after a match, so every id is one too large",
        find="        ids = np.searchsorted(self.codes, codes)\n",
        replace='        ids = np.searchsorted(self.codes, codes, side="right")\n',
    ),
    dict(
        id="count-pairs-unweighted",
        why="each distinct word counts once, however often it occurs in the corpus",
        find="    counts = np.bincount(inverse, weights=weights[valid]).astype(np.int64)\n",
        replace="    counts = np.bincount(inverse).astype(np.int64)\n",
    ),
    dict(
        id="count-pairs-across-words",
        why="pairs that touch the separator are counted, so the last byte of a word pairs with -1",
        find="    valid = (left != SEPARATOR) & (right != SEPARATOR)\n",
        replace="    valid = (left != SEPARATOR) | (right != SEPARATOR)\n",
    ),
    dict(
        id="merge-pair-ignores-overlaps",
        why="in a run of equal tokens every position starts a match, so (a, a, a) loses a token",
        find="    if left == right and len(starts) > 1:\n"
             "        first_of_run = np.ones(len(starts), dtype=bool)\n"
             "        first_of_run[1:] = starts[1:] != starts[:-1] + 1\n"
             "        run_start = np.maximum.accumulate(np.where(first_of_run, starts, 0))\n"
             "        starts = starts[(starts - run_start) % 2 == 0]\n",
        replace="",
    ),
    dict(
        id="merge-pair-deletes-the-new-token",
        why="deletes the first half of each pair, where the new id was written, instead of the second",
        find="    keep[starts + 1] = False\n",
        replace="    keep[starts] = False\n",
    ),
    dict(
        id="merge-pair-modifies-its-input",
        why="writes the new id into the caller's array instead of a copy",
        find="    merged = tokens.copy()\n",
        replace="    merged = tokens\n",
    ),
    dict(
        id="train-tie-goes-to-the-largest-pair",
        why="argsort()[-1] picks the last of the tied pairs, the largest, not the smallest",
        find="            best = pairs[np.argmax(counts)]\n",
        replace="            best = pairs[np.argsort(counts)[-1]]\n",
    ),
    dict(
        id="train-merges-pairs-seen-once",
        why="training only stops when no pair is left, so it memorises pairs that occur a single time",
        find="            if len(counts) == 0 or counts.max() < 2:\n",
        replace="            if len(counts) == 0:\n",
    ),
    dict(
        id="train-one-merge-too-many",
        why="the range runs to vocab_size inclusive, so the vocabulary ends one id larger than asked",
        find="        for new_id in range(BYTE_VOCAB, vocab_size):\n",
        replace="        for new_id in range(BYTE_VOCAB, vocab_size + 1):\n",
    ),
    dict(
        id="train-new-ids-from-zero",
        why="new tokens are numbered from 0, so they collide with the byte tokens",
        find="            tokens = merge_pair(tokens, best, new_id)\n",
        replace="            tokens = merge_pair(tokens, best, len(merges))\n",
    ),
    dict(
        id="encode-merges-in-reverse",
        why="the merges are replayed last-learned first, so merges built on earlier ones never apply",
        find="        for rank, pair in enumerate(self.merges):\n",
        replace="        for rank, pair in reversed(list(enumerate(self.merges))):\n",
    ),
    dict(
        id="encode-distinct-words-only",
        why="returns the tokens of each distinct word once, not of every word of the text in order",
        find="        return np.concatenate([pieces[k] for k in order]).astype(np.int64)\n",
        replace="        return np.concatenate(pieces).astype(np.int64)\n",
    ),
    dict(
        id="decode-strict-utf8",
        why="decoding without errors='replace' crashes on ids that end in the middle of a character",
        find='        return data.decode("utf-8", errors="replace")\n',
        replace='        return data.decode("utf-8")\n',
    ),
    dict(
        id="char-vocabulary-strips-the-corpus",
        why="the corpus is stripped before its characters are collected, so whitespace found only at its ends is lost",
        find='        self.chars = "".join(sorted(set(corpus)))\n',
        replace='        self.chars = "".join(sorted(set(corpus.strip())))\n',
    ),
    dict(
        id="char-vocabulary-kept-as-a-list",
        why="chars is the sorted list of characters, not a str as the docstring says",
        find='        self.chars = "".join(sorted(set(corpus)))\n',
        replace="        self.chars = sorted(set(corpus))\n",
    ),
    dict(
        id="count-pairs-span-fixed-at-byte-vocab",
        why="the pair code uses span 256, which only separates pairs of byte tokens, not of merged ids",
        find="    span = int(tokens.max()) + 1\n",
        replace="    span = BYTE_VOCAB\n",
    ),
    dict(
        id="count-pairs-span-is-the-largest-id",
        why="span is the largest id instead of one more, so a pair whose right id is the largest collides with another",
        find="    span = int(tokens.max()) + 1\n",
        replace="    span = int(tokens.max())\n",
    ),
    dict(
        id="merge-pair-every-other-start-of-all-runs",
        why="for equal ids every other start is kept across the whole array, not within each run",
        find="        first_of_run = np.ones(len(starts), dtype=bool)\n"
             "        first_of_run[1:] = starts[1:] != starts[:-1] + 1\n"
             "        run_start = np.maximum.accumulate(np.where(first_of_run, starts, 0))\n"
             "        starts = starts[(starts - run_start) % 2 == 0]\n",
        replace="        starts = starts[::2]\n",
    ),
    dict(
        id="encode-merges-across-words",
        why="encode merges the whole text as one piece, so a merge can join the end of a word to the next word",
        find="        tokens = pack_words(list(index))\n"
             "        for rank, pair in enumerate(self.merges):\n"
             "            tokens = merge_pair(tokens, pair, BYTE_VOCAB + rank)\n"
             "        pieces = unpack_words(tokens)\n"
             "        return np.concatenate([pieces[k] for k in order]).astype(np.int64)\n",
        replace="        tokens = pack_words([text])\n"
                "        for rank, pair in enumerate(self.merges):\n"
                "            tokens = merge_pair(tokens, pair, BYTE_VOCAB + rank)\n"
                "        return tokens.astype(np.int64)\n",
    ),
    dict(
        id="decode-token-by-token",
        why="each token's bytes are decoded on their own, so a character split over two tokens becomes two U+FFFD",
        find="        data = b\"\".join([self.token_bytes[i] for i in ids.tolist()])\n"
             "        return data.decode(\"utf-8\", errors=\"replace\")\n",
        replace="        return \"\".join([self.token_bytes[i].decode(\"utf-8\", errors=\"replace\") for i in ids.tolist()])\n",
    ),
    dict(
        id="train-stops-at-pairs-seen-twice",
        why="training stops once the best pair occurs only twice (<= 2 instead of < 2), though twice is enough",
        find="            if len(counts) == 0 or counts.max() < 2:\n",
        replace="            if len(counts) == 0 or counts.max() <= 2:\n",
    ),
]
