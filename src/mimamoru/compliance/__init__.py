"""Compliance tools: purposes of use, the public notice, camera signage and audit reports."""
