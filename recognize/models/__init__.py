"""Models: one small class per model behind one interface, loaded lazily, found through the registry."""
