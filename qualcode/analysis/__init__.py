"""Analysis: who raises which theme, how often, with what strength of evidence."""
