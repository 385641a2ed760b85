"""Where recorded segments live."""
