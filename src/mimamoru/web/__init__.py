"""Browser UI: server-rendered page shells plus static JS/CSS (no build step)."""
