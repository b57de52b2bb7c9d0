"""Item models: ids-only, lazily paged, painted from memory."""
