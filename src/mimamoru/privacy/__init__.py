"""Privacy filters applied to decoded frames before anything stores or shows them."""
