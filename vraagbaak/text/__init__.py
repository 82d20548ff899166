"""Text work the core's packages share: Dutch analysis into terms, and cutting text into token windows."""
