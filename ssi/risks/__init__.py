"""EBIOS RM risk studies per establishment: the five workshops as one validated
document, its analysis (risk levels, matrices) and treatment plan."""
