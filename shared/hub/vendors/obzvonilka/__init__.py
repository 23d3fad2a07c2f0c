"""Obzvonilka, the hosted call-list service (spec/obzvonilka.md): its REST client."""
