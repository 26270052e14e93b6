"""`python -m pipeline` runs the salesreport command line."""
from .cli import main

main()
