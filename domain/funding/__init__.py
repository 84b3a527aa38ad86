"""Funding of courses: VEU wage compensation and the collective agreements' competence funds.

Pure: the rules as data (``rules``), the messages that report funding facts (``messages``), the expected
amounts with their explanations (``expected``) and the state of each claim (``claims``). Nothing here reads
files or a clock; the rules are loaded and installed by the application core at start-up.
"""
