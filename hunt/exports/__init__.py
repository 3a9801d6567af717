"""Label exports."""
