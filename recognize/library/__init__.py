"""Library: users, mount points (libraries) and the scanner that keeps the file table true."""
