"""Jobs: the analyses run over files, and the runner that drives them."""
