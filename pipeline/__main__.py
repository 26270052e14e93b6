"""`python -m pipeline` runs the salesreport command line."""
from pipeline.cli import main

main()
