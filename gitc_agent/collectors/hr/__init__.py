"""HR exports: persons (start, end, department), joiner requests, account -> person mapping."""
