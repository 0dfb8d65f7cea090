// The voice console's AudioWorklet: microphone samples in, PCM16 little-endian mono frames at the
// recording's sample rate out (decision 0013), one frame per `frameMs`, with the frame's loudness
// for the level meter. The context normally already runs at 16 kHz (the browser resamples the
// microphone); if it cannot, this resamples by linear interpolation.
"use strict";

class PcmFrames extends AudioWorkletProcessor {
  constructor(options) {
    super();
    const opts = (options && options.processorOptions) || {};
    this.targetRate = opts.targetRate || 16000;
    this.ratio = sampleRate / this.targetRate; // input samples per output sample
    this.frameSamples = Math.round((this.targetRate * (opts.frameMs || 250)) / 1000);
    this.frame = new Int16Array(this.frameSamples);
    this.filled = 0;
    this.position = 0; // fractional read position into the pending input
    this.carry = new Float32Array(0);
    this.sumSquares = 0;
    this.running = true;
    this.port.onmessage = (event) => {
      if (event.data === "flush") this.flush();
      if (event.data === "stop") {
        this.flush();
        this.running = false;
      }
    };
  }

  push(sample) {
    const clamped = Math.max(-1, Math.min(1, sample));
    this.frame[this.filled++] = clamped < 0 ? clamped * 0x8000 : clamped * 0x7fff;
    this.sumSquares += clamped * clamped;
    if (this.filled === this.frameSamples) this.flush();
  }

  flush() {
    if (!this.filled) return;
    const pcm = this.frame.slice(0, this.filled);
    const level = Math.sqrt(this.sumSquares / this.filled);
    this.port.postMessage({ pcm: pcm.buffer, level }, [pcm.buffer]);
    this.filled = 0;
    this.sumSquares = 0;
  }

  process(inputs) {
    if (!this.running) return false;
    const channel = inputs[0] && inputs[0][0];
    if (!channel) return true;
    if (this.ratio === 1) {
      for (let i = 0; i < channel.length; i++) this.push(channel[i]);
      return true;
    }
    const input = new Float32Array(this.carry.length + channel.length);
    input.set(this.carry);
    input.set(channel, this.carry.length);
    let pos = this.position;
    while (pos + 1 < input.length) {
      const i = Math.floor(pos);
      const t = pos - i;
      this.push(input[i] * (1 - t) + input[i + 1] * t);
      pos += this.ratio;
    }
    const keep = Math.floor(pos);
    this.carry = input.slice(keep);
    this.position = pos - keep;
    return true;
  }
}

registerProcessor("pcm-frames", PcmFrames);
