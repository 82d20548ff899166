"""HTTP API and the drafters' search page over the index."""
