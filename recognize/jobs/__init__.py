"""Jobs: the one engine (a huey cascade) that runs the analyses over files, on one machine or many."""
