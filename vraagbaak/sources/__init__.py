"""Connectors to outside sources: the Tweede Kamer's open data."""
