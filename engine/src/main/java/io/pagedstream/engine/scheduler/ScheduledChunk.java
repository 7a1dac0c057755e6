package io.pagedstream.engine.scheduler;

/**
 * Work for one sequence in one step: compute tokens at positions {@code [start, start + length)}. A
 * decode step is a chunk of length 1; a prefill, or a recomputation after preemption, is longer.
 * When the chunk reaches the sequence's last token its logits give the next token.
 */
public record ScheduledChunk(Sequence sequence, int start, int length) {

  public boolean samples() {
    return start + length == sequence.length();
  }

  public int end() {
    return start + length;
  }
}
