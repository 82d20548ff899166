"""One-off experiments kept so that the figures in docs/retrieval.md can be reproduced; not part of the product."""
