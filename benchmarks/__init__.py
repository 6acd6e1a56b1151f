"""bayesfit's benchmarks: one script per area, ratios against peers in the same run."""
