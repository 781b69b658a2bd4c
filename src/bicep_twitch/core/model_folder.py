"""The layout of a model folder, shared by the export step (which writes it) and the predictor
(which reads it). Kept apart from both because ``_export`` imports scikit-learn and the
predictor must not."""

MODEL_STEM = "bicep_twitch_tree"
JOBLIB_NAME = f"{MODEL_STEM}.joblib"  # the scikit-learn pipeline, for scikit-learn users
TREE_NAME = f"{MODEL_STEM}.tree.json"  # the same tree as plain data: what the predictor loads
META_NAME = f"{MODEL_STEM}.json"  # versions, hashes of the files above, classes, metrics
TEXT_NAME = "tree.txt"
MODEL_FORMAT = "bicep-twitch model"
MODEL_FORMAT_VERSION = 1
