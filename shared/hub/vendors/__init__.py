"""One package per vendor: its payload models, its answers, its translation and its HTTP client."""
