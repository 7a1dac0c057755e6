package io.pagedstream.engine.scheduler;

import java.util.List;

/** What one step computes, and what the scheduler had to do to make room for it. */
public record SchedulerOutput(
    List<ScheduledChunk> chunks, int preempted, int swappedOut, int swappedIn) {

  public boolean isEmpty() {
    return chunks.isEmpty();
  }

  public int numTokens() {
    int n = 0;
    for (ScheduledChunk c : chunks) {
      n += c.length();
    }
    return n;
  }
}
