"""Predicting from a trained tree: the predictor, the batch path, the explanation, the questionnaire.

No scikit-learn: the tree is read as plain data."""
