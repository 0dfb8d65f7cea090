"""Audio bytes: what a chunk of each format must look like, and WAV wrapping of raw PCM (playback,
pre-recorded transcription). No codecs: audio is stored as it arrived."""

import struct

from voice.models import AudioFormat

# The first bytes of a recording in each container format (the first chunk must start with them).
MAGIC = {
    AudioFormat.WAV: (b"RIFF",),
    AudioFormat.WEBM: (b"\x1a\x45\xdf\xa3",),
    AudioFormat.OGG: (b"OggS",),
    AudioFormat.MP3: (b"ID3", b"\xff\xfb", b"\xff\xf3", b"\xff\xf2", b"\xff\xfa"),
    AudioFormat.M4A: (),  # "ftyp" at offset 4
}
CONTENT_TYPES = {
    AudioFormat.PCM16: "audio/wav",  # served wrapped in a WAV header
    AudioFormat.WAV: "audio/wav",
    AudioFormat.WEBM: "audio/webm",
    AudioFormat.OGG: "audio/ogg",
    AudioFormat.MP3: "audio/mpeg",
    AudioFormat.M4A: "audio/mp4",
}
PCM_SAMPLE_RATES = (8000, 16000, 22050, 24000, 32000, 44100, 48000)


def chunk_problem(*, audio_format: str, index: int, data: bytes) -> str | None:
    """Why this chunk cannot be audio of the recording's format, or None."""
    if audio_format == AudioFormat.PCM16:
        if len(data) % 2:
            return "PCM audio comes in whole 16-bit samples (an even number of bytes)."
        return None
    if index == 0:
        if audio_format == AudioFormat.M4A:
            return None if data[4:8] == b"ftyp" else "The first chunk is not the start of an M4A file."
        if audio_format == AudioFormat.WAV and (len(data) < 12 or data[8:12] != b"WAVE"):
            return "The first chunk is not the start of a WAV file."
        if not data.startswith(MAGIC.get(audio_format, ())):
            return f"The first chunk is not the start of a {audio_format} file."
    return None


def wav_header(*, data_bytes: int, sample_rate: int, channels: int = 1, bits: int = 16) -> bytes:
    block = channels * bits // 8
    return (
        b"RIFF"
        + struct.pack("<I", 36 + data_bytes)
        + b"WAVEfmt "
        + struct.pack("<IHHIIHH", 16, 1, channels, sample_rate, sample_rate * block, block, bits)
        + b"data"
        + struct.pack("<I", data_bytes)
    )
