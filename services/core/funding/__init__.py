"""Funding in the application core: the rules files (loaded and checked at start-up) and the funding reads."""
