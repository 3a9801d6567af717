"""Evaluation against reference catalogues."""
