package io.pagedstream.engine.scheduler;

/** Moves KV blocks between the device cache and host memory for swap-mode preemption. */
public interface Swapper {

  /** Host blocks free to receive a preempted sequence's blocks. */
  int available();

  /** Copies device blocks out; returns the host blocks now holding them. */
  int[] swapOut(int[] deviceBlocks);

  /** Copies host blocks into device blocks and frees the host blocks. */
  void swapIn(int[] hostBlocks, int[] deviceBlocks);

  /** Frees host blocks without copying. */
  void discard(int[] hostBlocks);
}
