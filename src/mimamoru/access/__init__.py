"""Passwords, login sessions, roles and the one access gate."""
