"""Talk: discussions, boards and tags."""
