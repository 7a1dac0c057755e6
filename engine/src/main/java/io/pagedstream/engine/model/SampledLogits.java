package io.pagedstream.engine.model;

/**
 * What a forward pass hands the sampler for each sampled row: its argmax, computed where the
 * logits are, and the whole row only where one was asked for (sampling, observers). Copying
 * {@code [rows, vocab]} floats to Java every step would cost more than the argmax itself.
 */
public record SampledLogits(int[] argmax, float[][] rows) {

  public static final SampledLogits EMPTY = new SampledLogits(new int[0], new float[0][]);
}
