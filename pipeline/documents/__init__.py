"""Document contexts, formatting and rendering of the Word documents."""
