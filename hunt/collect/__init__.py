"""Collect: favourites and collections."""
