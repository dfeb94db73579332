"""Analyses: the contract every per-file analysis follows, one module per analysis, and their registry.

An analysis computes a file's result in a worker (no database) and stores it in a transaction
(``base.Analysis``); ``outcomes`` records what came of one file, whoever ran it.
"""
