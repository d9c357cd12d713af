"""Local models: a llama.cpp server started and stopped by the library."""
