"""w2vlib: the NumPy library behind *The Math Behind Word2Vec*.

Modules, by what they hold:
    functions    sigmoid, log_sigmoid, softmax, log_softmax, logsumexp (stable)
    objectives   every word2vec loss with its gradients, ``(loss, grads)``
    gradcheck    central finite differences with a report of the worst entry
    huffman      Huffman codes and inner-node paths for hierarchical softmax
    symbolic     SymPy models of every loss, index notation, assert_equal
"""

__version__ = "0.1.0"
