"""The planning assistant's rules (contract §8), pure: the facts a plan is made from, the calendar of
month kinds and caps, which runs fit which agreement, what a plan is worth, and why an agreement stayed
unplanned. The solver that searches for the best plan lives in ``services.core.planning``."""
