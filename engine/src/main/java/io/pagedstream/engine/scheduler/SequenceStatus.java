package io.pagedstream.engine.scheduler;

/**
 * A sequence's life: WAITING until admitted, RUNNING while it holds KV blocks, back to WAITING when
 * preempted for recomputation, SWAPPED while its KV sits in host memory, FINISHED at the end.
 */
public enum SequenceStatus {
  WAITING,
  RUNNING,
  SWAPPED,
  FINISHED
}
