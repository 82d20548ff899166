"""`vraagbaak bench`: every query, build and start-up path measured next to its reference from the same run.

Absolute times on shared machines are noisy, so each figure comes with the
cost it should be compared to (one bare model call, bare `encode`
throughput, exact search), and the targets are ratios. `run.run_bench`
drives the sections; `loadgen` runs in its own process against
`vraagbaak serve`.
"""
