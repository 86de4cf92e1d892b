"""Network plane."""
