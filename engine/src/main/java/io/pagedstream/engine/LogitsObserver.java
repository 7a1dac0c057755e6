package io.pagedstream.engine;

/** Sees each row of logits a token is sampled from (for tests and debugging; off by default). */
@FunctionalInterface
public interface LogitsObserver {
  /** {@code logits[offset, offset + vocab)} produced output token number {@code outputIndex}. */
  void observe(String requestId, int outputIndex, float[] logits, int offset, int vocab);
}
