"""Pure pandas computation of the month's figures."""
