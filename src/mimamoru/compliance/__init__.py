"""Compliance with the APPI: purposes of use, the public notice, camera signage, audit
reports and the dashboard.

See docs/compliance.md for which duty each part supports. Nothing here is legal advice.
"""
