"""Suggestions learned from the coders' own decisions (`qualcode train`).

- `data`: the one adapter to the project (`training_frames`) and pure label building;
- `features`, `classifier`: TF-IDF n-grams on lemmas + static embeddings shipped in a
  wheel, one logistic regression per code;
- `evaluate`: grouped cross-validation with nested thresholds, per-code quality;
- `model`: training and the model card; `persist`: `.qualcode/models/`, `model_status`;
- `predict`: scores for respondent sentences, and uncertainty for review.

Heavy libraries (scikit-learn, spaCy, wordllama) are imported inside functions.
"""
