"""Streaming training: the corpus is read in chunks each epoch, never held whole.

    from w2vlib.train import train
    result = train("corpus.txt", epochs=5)                 # one sentence per line
    result = train(LineSentences("raw.txt", tokenize=corpus.tokenize))

:func:`w2vlib.train.train` runs every corpus through :func:`train_chunked`, the one
training loop of w2vlib: a list or tuple of token lists (encoded once and held), a path
(``str`` or ``os.PathLike``: a UTF-8 text file, one sentence per line, tokens separated
by whitespace, like gensim's ``LineSentence``), or a *re-iterable* of sentences (an
object whose ``iter()`` starts a new pass each time, such as :class:`LineSentences`),
read again each epoch. A one-shot iterator (a generator) is read into a list, since it
cannot be read twice.

For a path or a re-iterable, peak memory is O(n + chunk): a vocabulary pass counts
words (unless a Vocab is given), a second pass counts the in-vocabulary tokens T; then
each epoch reads sentences until it has a chunk of ``_CHUNK_WORDS`` in-vocabulary
tokens plus the few tokens the last windows need, trains on it and forgets it (a
sentence longer than a chunk is held whole while it is read).

A streamed corpus gives bitwise the vectors of the same corpus passed as a list (same
seed): every epoch is cut into the same chunks of corpus positions, and NumPy's
generators give the same numbers whether a stream of draws is taken in one call or in
pieces, so subsampling, windows and negatives are drawn the same either way.
"""

import os
import time

import numpy as np

from .corpus import (NegativeSampler, Vocab, _cbow_from_flat, _window_positions,
                     dynamic_windows, keep_probability)
from .huffman import build_huffman

__all__ = ["LineSentences", "is_streamed", "epoch_chunks", "train_chunked"]


class LineSentences:
    """A text file as a re-iterable of sentences: one sentence per line.

    path: the file (UTF-8); tokenize: a function str -> list of str (default
    ``str.split``, whitespace-separated tokens; pass :func:`w2vlib.corpus.tokenize`
    for raw text). Each ``iter()`` reads the file again from the start.
    """

    def __init__(self, path, tokenize=None):
        if not isinstance(path, (str, os.PathLike)):
            raise TypeError(f"path: expected a str or os.PathLike, got {type(path).__name__}")
        if not os.path.isfile(path):
            raise OSError(f"path: expected a readable text file, {os.fspath(path)!r} is not "
                          f"a file")
        if tokenize is not None and not callable(tokenize):
            raise TypeError(f"tokenize: expected a function str -> list of str, got "
                            f"{type(tokenize).__name__}")
        self.path = os.fspath(path)
        self.tokenize = tokenize or str.split

    def __iter__(self):
        with open(self.path, encoding="utf-8") as f:
            for lineno, line in enumerate(f, 1):
                try:
                    yield self.tokenize(line)
                except Exception as exc:  # pragma: no cover - a user tokenizer failing
                    raise ValueError(f"{self.path}, line {lineno}: {exc}") from exc

    def __repr__(self):
        return f"LineSentences({self.path!r})"


def is_streamed(sentences):
    """True for a path or a re-iterable that is not a list or tuple (see the module)."""
    if isinstance(sentences, (str, os.PathLike)):
        return True
    if isinstance(sentences, (list, tuple, np.ndarray)):
        return False
    return hasattr(sentences, "__iter__") and not hasattr(sentences, "__next__")


def _as_source(sentences):
    if isinstance(sentences, (str, os.PathLike)):
        if not os.path.isfile(sentences):
            raise OSError(f"sentences: a str or path is read as a text file (one sentence per "
                          f"line), and {os.fspath(sentences)!r} is not a file; pass a list of "
                          f"token lists for text in memory")
        return LineSentences(sentences)
    if hasattr(sentences, "__next__"):     # a one-shot iterator (a generator): read it once
        return list(sentences)
    if not hasattr(sentences, "__iter__"):      # (iter() itself would start a pass)
        raise TypeError(f"sentences: expected a list of token lists, a path or a "
                        f"re-iterable, got {type(sentences).__name__}")
    return sentences


def epoch_chunks(encoded, T, keep, rng_sub, rng_win, window, chunk):
    """One epoch of a corpus, as the in-memory trainer's chunks of corpus positions.

    encoded: an iterator of int arrays (the sentences as word indices, in-vocabulary
    tokens only); T: their total length; keep: (n,) keep probabilities or None;
    rng_sub, rng_win: the subsampling and window generators; chunk: positions per chunk.
    Yields ``(r1, ktok, ksid, eff, kpos, a, b)`` for the chunks [r0, r1) of
    positions 0..T: the kept tokens held now (ktok), their sentence numbers, effective
    windows and corpus positions, with the chunk's own kept tokens at a:b. At least
    ``window`` kept tokens on either side of a:b are held (or all there are), so that
    every window of the chunk is complete.
    """
    empty = np.zeros(0, dtype=np.intp)
    ktok, ksid, kpos, eff = empty, empty, empty, empty
    pos = sid = 0
    done_reading = False
    r0 = 0
    while r0 < T:
        r1 = min(r0 + chunk, T)
        while not done_reading and int((kpos >= r1).sum()) < window:
            toks, sids, got = [], [], 0
            for s in encoded:
                if s.size:
                    toks.append(s)
                    sids.append(np.full(s.size, sid, dtype=np.intp))
                    got += s.size
                sid += 1
                if got >= chunk:
                    break
            else:
                done_reading = True
            if not got:
                continue
            tok = np.concatenate(toks).astype(np.intp)
            where = np.arange(pos, pos + got, dtype=np.intp)
            sids = np.concatenate(sids)
            pos += got
            if pos > T:
                raise ValueError(f"sentences: the corpus changed between passes: more than "
                                 f"the {T:,} in-vocabulary tokens counted")
            if keep is not None:
                kept = np.flatnonzero(rng_sub.random(got) < keep[tok])
                tok, sids, where = tok[kept], sids[kept], where[kept]
            ktok = np.concatenate([ktok, tok])
            ksid = np.concatenate([ksid, sids])
            kpos = np.concatenate([kpos, where])
            eff = np.concatenate([eff, dynamic_windows(tok.size, window, rng_win)])
        if pos < r1:
            raise ValueError(f"sentences: the corpus changed between passes: {pos:,} "
                             f"in-vocabulary tokens read, {T:,} counted")
        a, b = np.searchsorted(kpos, [r0, r1])
        yield r1, ktok, ksid, eff, kpos, int(a), int(b)
        drop = max(0, int(b) - window)                   # keep `window` tokens before r1
        ktok, ksid, kpos, eff = ktok[drop:], ksid[drop:], kpos[drop:], eff[drop:]
        r0 = r1
    for s in encoded:
        if s.size:
            raise ValueError(f"sentences: the corpus changed between passes: more than the "
                             f"{T:,} in-vocabulary tokens counted")


def _encoded(source, vocab):
    for sentence in source:
        if isinstance(sentence, str):
            raise ValueError("sentences: expected an iterable of token lists, got a str "
                             "among them (tokenize it first)")
        yield vocab.encode(sentence)


def train_chunked(sentences, *, model, shared, d, window, negative, sample, min_count,
                  epochs, lr, min_lr_fraction, batch_size, seed, dtype, progress, vocab,
                  cbow_update, skipgram_input, subsample_formula, allow_large_softmax=False,
                  init_scale=0.5, lr_schedule="job", callbacks=(), span=None,
                  shared_negatives=None, row_rule="trace"):
    """The training loop behind :func:`w2vlib.train.train` (arguments already checked
    there; ``shared`` selects :func:`w2vlib.fast.step_sgns_span`): chunks of corpus
    positions, minibatches, the learning-rate schedule, divergence detection and the
    end-of-epoch callbacks."""
    import math

    from . import _checks as chk
    from . import train as tr
    from .fast import SHARED, spans, step_sgns_span

    if shared and skipgram_input != "context":
        raise ValueError("skipgram_input: 'sgns-shared' shares the negatives of a window "
                         "among its context words, so it needs skipgram_input='context'")
    source = _as_source(sentences)
    if vocab is None:
        vocab = Vocab.build(source, min_count=min_count)
    elif not isinstance(vocab, Vocab):
        raise ValueError(f"vocab: expected a w2vlib.corpus.Vocab, got {type(vocab).__name__}")
    n = len(vocab)
    if batch_size is None:
        batch_size = min(1024, 2 * n)
    if model == "softmax" and n > tr.SOFTMAX_MAX_VOCAB and not allow_large_softmax:
        raise ValueError(f"model: full softmax costs O(n d) per example; the vocabulary has "
                         f"n={n} > {tr.SOFTMAX_MAX_VOCAB} words. Use 'sgns' or 'hs', raise "
                         f"min_count, or pass allow_large_softmax=True")
    if n < 2:
        raise ValueError(f"vocab: expected at least 2 words, got {n} ({vocab.words[:1]}); "
                         f"with one word there is nothing to tell apart (lower min_count or "
                         f"use a larger corpus)")
    batch_size = tr._check_sizes(model, n, d, window, negative, batch_size, np.dtype(dtype))
    # a list or tuple (here for "sgns-shared") is encoded once, like the in-memory path;
    # a stream is counted in one pass (T, and whether any sentence makes a pair)
    held = [vocab.encode(s) for s in source] if isinstance(source, (list, tuple)) else None
    T = longest = 0
    for s in (held if held is not None else _encoded(source, vocab)):
        T += s.size
        longest = max(longest, s.size)
    if T == 0:
        raise ValueError("sentences: expected at least one in-vocabulary token, got none")
    if longest < 2:
        raise ValueError("sentences: expected a sentence with at least two in-vocabulary tokens; "
                         "with none there is no (centre, context) pair to train on")

    seeds = np.random.SeedSequence(seed).spawn(4)
    rng_init, rng_sub, rng_win, rng_neg = (np.random.default_rng(s) for s in seeds)
    if model == "hs":
        V, U = tr.init_vectors(n, d, rng_init, dtype, n_out=n - 1, init_scale=init_scale)
        tree = build_huffman(vocab.counts)
        path, code, pmask = tree.padded()
        hs = (path, (1 - code).astype(dtype), pmask.astype(dtype), pmask.sum(axis=1))
    else:
        V, U = tr.init_vectors(n, d, rng_init, dtype, init_scale=init_scale)
        hs = None
    sampler = NegativeSampler(vocab.counts, 0.75, rng_neg) if model in ("sgns", "cbow") \
        else None
    keep = keep_probability(vocab.counts, sample, subsample_formula) if sample else None

    name = "sgns-shared" if shared else model
    total_words = epochs * T
    history = []
    bar = None
    if progress:
        from tqdm.auto import tqdm
        bar = tqdm(total=total_words, unit="word", unit_scale=True, desc=f"w2vlib {name}")
    step = step_sgns_span if shared else tr._STEPS[model]
    span = span or SHARED["span"]
    n_neg = (shared_negatives or SHARED["negatives"] or negative) if shared else negative
    ctx = dict(V=V, U=U, hs=hs, cbow_update=cbow_update, t=None, negative=negative,
               row_rule=row_rule)
    if model in ("sgns", "cbow") and not shared:
        t = np.zeros((batch_size, negative + 1), dtype=dtype)
        t[:, 0] = 1
        ctx["t"] = t

    j0 = None if model == "hs" else tr.start_loss(model, negative, n)   # "hs": per epoch
    t0 = time.perf_counter()
    for epoch in range(epochs):
        done = epoch * T
        epoch_loss, epoch_examples, epoch_code = 0.0, 0, 0
        encoded = iter(held) if held is not None else _encoded(source, vocab)
        chunks = epoch_chunks(encoded, T, keep, rng_sub, rng_win, window, tr._CHUNK_WORDS)
        for r1, ktok, ksid, eff, kpos, a, b in chunks:
            if b > a:
                if shared:
                    *examples, cpos, pairs = spans(ktok, ksid, eff, window, a, b, span)
                    examples = tuple(examples)
                    bounds = _window_batches(pairs, batch_size)
                elif model == "cbow":
                    centres, contexts, cmask, cpos = _cbow_from_flat(ktok, ksid, eff, window,
                                                                     a, b)
                    examples = (centres, contexts, cmask)
                else:
                    cpos, opos, _ = _window_positions(ksid, eff, window, a, b)
                    if skipgram_input == "context":
                        examples = (ktok[opos], ktok[cpos])
                    else:
                        examples = (ktok[cpos], ktok[opos])
                m = examples[0].shape[0]
                if m and sampler is not None:
                    examples = examples + (sampler.sample((m, n_neg)),)
                if m and model == "hs":     # J_0 = log 2 x the code length of each output
                    epoch_code += int(hs[3][examples[1]].sum())
                if m:
                    where = done + kpos[cpos]
                    loss_sum = 0.0
                    if shared:
                        per = int(pairs.sum())
                    else:
                        bounds = range(0, m + batch_size, batch_size)
                        per = m
                    if lr_schedule == "job":                    # gensim: one rate per job
                        r0 = (r1 - 1) // tr._CHUNK_WORDS * tr._CHUNK_WORDS
                        eta_job = tr.learning_rate(lr, done + r0, total_words, min_lr_fraction)
                    for i, j in zip(bounds[:-1], bounds[1:]):
                        j = min(j, m)
                        if j <= i:
                            break
                        eta = (tr.learning_rate(lr, where[i], total_words, min_lr_fraction)
                               if lr_schedule == "batch" else eta_job)
                        try:
                            with np.errstate(over="ignore", invalid="ignore"):
                                loss_sum += step(ctx, [e[i:j] for e in examples], eta)
                        except chk.NonFiniteError:
                            loss_sum = math.inf
                        if not math.isfinite(loss_sum):
                            raise tr._diverged(epoch, epochs, int(where[i]) - done, T, eta, lr)
                    if per:
                        history.append((float(done + r1), loss_sum / per))
                        epoch_loss, epoch_examples = epoch_loss + loss_sum, epoch_examples + per
            if bar is not None:
                bar.update(int(done + r1) - bar.n)
        if not (np.isfinite(V).all() and np.isfinite(U).all()):
            eta = tr.learning_rate(lr, done + T, total_words, min_lr_fraction)
            raise tr._diverged(epoch, epochs, T, T, eta, lr)
        if model == "hs" and epoch_examples:
            j0 = tr.start_loss(model, negative, n, epoch_code / epoch_examples)
        tr.check_epoch(epoch + 1, epochs,
                       epoch_loss / epoch_examples if epoch_examples else math.nan, j0, V, U)
        if callbacks:
            info = tr.EpochEnd(epoch=epoch + 1, epochs=epochs, words_done=int(done + T),
                               loss=epoch_loss / epoch_examples if epoch_examples else math.nan,
                               examples=epoch_examples, V=V, U=U, vocab=vocab,
                               seconds=time.perf_counter() - t0)
            for cb in callbacks:
                cb(info)
    seconds = time.perf_counter() - t0
    if bar is not None:
        bar.close()
    params = dict(model=name, d=d, window=window, negative=negative, sample=sample,
                  min_count=min_count, epochs=epochs, lr=lr, min_lr_fraction=min_lr_fraction,
                  batch_size=batch_size, seed=seed, dtype=np.dtype(dtype).name,
                  cbow_update=cbow_update, skipgram_input=skipgram_input,
                  subsample_formula=subsample_formula, init_scale=init_scale,
                  lr_schedule=lr_schedule, row_rule=row_rule)
    if shared:
        params.update(span=span, shared_negatives=n_neg)
    out = tr.Word2Vec(vocab=vocab, V=V, params=params, seconds=seconds,
                      loss_history=np.array(history, dtype=np.float64).reshape(-1, 2))
    if model == "hs":
        out.U_inner = U
    else:
        out.U = U
    return out


def _window_batches(pairs, batch_size):
    """Window boundaries so that each batch holds about ``batch_size`` pairs."""
    cum = np.cumsum(pairs)
    cuts = np.searchsorted(cum, np.arange(batch_size, cum[-1], batch_size), side="right")
    return np.unique(np.concatenate([[0], cuts, [pairs.size]]))
