"""The semantic index of the library: sentence-transformers embeddings in a Chroma collection."""
