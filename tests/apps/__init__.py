"""Applications (ORMs, query builders, tools) run against `pgwire serve`, asserting results."""
