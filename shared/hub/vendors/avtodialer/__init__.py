"""Avtodialer, the robot dialer (spec/avtodialer.md)."""
