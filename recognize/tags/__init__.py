"""Tags: what a file shows or where it was taken, each with its kind, score and the model that said so."""
