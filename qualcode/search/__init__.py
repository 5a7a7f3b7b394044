"""Search the transcripts: keyword in context, code all hits, word frequency and keyness."""
