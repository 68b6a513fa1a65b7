"""Reports built from the index: the JSON model and its renderings."""
