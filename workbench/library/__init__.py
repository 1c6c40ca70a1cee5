"""Reading a content library: files to modules (parser) and modules to chunks (chunker)."""
