"""Privacy-first ambient scribe: anonymization, recordings, transcripts, STT and LLM providers."""
