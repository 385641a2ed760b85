"""Compliance with the APPI: purposes of use, the public notice, signs and the dashboard.

See docs/compliance.md for which duty each part supports. Nothing here is legal advice.
"""
