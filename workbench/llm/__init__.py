"""The LLM layer: prompt files, providers (embedded llama.cpp, OpenAI-compatible, fake), validated output.

Entry points: `workbench.llm.factory.build_llm(settings)` returns an `LLMClient`;
`workbench.llm.prompts.PromptRegistry.load_dir(path)` loads the prompt files.
"""
