"""The core: the knowledge base, case encoding, the plain-data tree and its walk, triage, words.

Pure Python: nothing here imports numpy, pandas or scikit-learn."""
