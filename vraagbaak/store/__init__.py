"""Storage: generations on disk, the manifest, the vector and lexical indexes, atomic writes and locking."""
