"""Primitives every layer may use: contract errors, files, the raw layer on disk, CPR
masking, what a published table is. They import nothing of the project but settings."""
