"""Query time: question cleaning, filters, fusion of the signals, highlights and citation lines."""
