"""The pages of the app: each a Streamlit script that translates between the person and one set of services."""
