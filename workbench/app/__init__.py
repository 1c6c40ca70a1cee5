"""The Streamlit workbench: thin pages over the same services as the command line."""
