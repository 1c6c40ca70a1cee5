"""Publishing approved drafts into the content library: safe file names, atomic writes, re-indexing."""
