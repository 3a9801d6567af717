"""Cluster Hunt's numerical core: plain numpy/astropy/PyTorch, no Django imports.

Everything here takes arrays or paths and returns arrays, tables or plain dataclasses, so that it can be
unit-tested on its own and moved to a training host unchanged.
"""
