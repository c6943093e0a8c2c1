"""w2vlib: the NumPy library behind *The Math Behind Word2Vec*.

Modules, by what they hold (names follow the book's notation, chapter 00):
    functions    sigmoid, log_sigmoid, softmax, log_softmax, logsumexp (stable)
    objectives   every word2vec loss with its gradients, ``(loss, grads)``
    gradcheck    central finite differences with a report of the worst entry
    autodiff     reverse-mode automatic differentiation (VJPs), forward mode (JVPs)
    ad_objectives  every objective as a forward computation, differentiated by autodiff
    jacobians    softmax and elementwise Jacobians; the blog post's "trick" gradient
    huffman      Huffman codes and inner-node paths for hierarchical softmax
    symbolic     SymPy models of every loss, index notation, assert_equal
    corpus       tokenizer, Vocab, subsampling, noise distribution, windows, pairs
    datasets     corpora and evaluation sets from the gensim wheel; synthetic; text8
    train        the minibatch trainer (SGNS, CBOW, full softmax, hierarchical softmax)
    evaluate     KeyedVectors: similarity, analogies, evaluations counted like gensim
    vectors_io   word2vec text and binary vector files
    plots        PCA, labelled word plots, loss curves, analogy arrows
    pmi          co-occurrence counts, PMI, shifted PPMI and its SVD
    glove        GloVe: weighted least squares on log counts, glove.c's AdaGrad trainer
    bench        ``python -m w2vlib.bench``: w2vlib against gensim
    quality      per-epoch quality (WS353, analogies, random cosine, loss);
                 ``python -m w2vlib.quality``: both systems over seeds
"""

__version__ = "0.1.0"
