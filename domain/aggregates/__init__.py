"""One decider per aggregate: its state, how events evolve it, and what it decides."""
