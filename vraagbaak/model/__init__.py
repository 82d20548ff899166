"""The model runtime: the bundled model, the Encoder protocol, its implementations and the factory."""
