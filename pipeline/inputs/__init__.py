"""Reading and validating the input files."""
