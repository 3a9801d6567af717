"""Benchmarks on data the model never trains on (pure numpy/astropy/torch, no Django)."""
