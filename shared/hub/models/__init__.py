"""Pydantic models: the hub's own records and, one module per vendor, the payloads they exchange."""
