"""Long-term archive: write-once deposits on object-locked buckets, retention in years,
integrity checks (on demand and periodic) and verified retrieval."""
