package io.pagedstream.engine.model;

/**
 * What a forward pass hands the sampler for each sampled row: its argmax, computed where the logits
 * are, and the whole row only where one was asked for (sampling, observers). Copying {@code [rows,
 * vocab]} floats to Java every step would cost more than the argmax itself. Rows that asked for
 * log-probabilities also get a {@link RowLogprobs} (null otherwise; the array itself is null when
 * no row asked).
 */
public record SampledLogits(int[] argmax, float[][] rows, RowLogprobs[] logprobs) {

  public static final SampledLogits EMPTY = new SampledLogits(new int[0], new float[0][], null);

  public SampledLogits(int[] argmax, float[][] rows) {
    this(argmax, rows, null);
  }

  /** Row r's log-probabilities, or null when it did not ask for them. */
  public RowLogprobs logprobs(int r) {
    return logprobs == null ? null : logprobs[r];
  }
}
