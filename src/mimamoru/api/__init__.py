"""HTTP API: one router per resource; schemas here, logic in the domain packages."""
