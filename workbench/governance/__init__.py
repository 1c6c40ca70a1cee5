"""AI governance: endpoints and routes, content classification, budgets, the AI-use policy."""
