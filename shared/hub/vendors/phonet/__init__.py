"""Phonet, the cloud PBX (spec/phonet.md)."""
