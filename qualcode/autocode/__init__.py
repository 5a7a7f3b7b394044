"""Auto-coding: the codebook's rules compiled to spaCy matchers, applied to respondent turns."""
