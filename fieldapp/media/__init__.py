"""Photo and video evidence: content-addressed storage, probing, thumbnails, hashes."""
