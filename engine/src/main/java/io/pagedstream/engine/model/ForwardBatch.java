package io.pagedstream.engine.model;

import java.util.List;

/**
 * The inputs of one forward pass over packed tokens from several sequences.
 *
 * @param tokens token id of each packed row
 * @param positions position of each row within its sequence
 * @param slots the cache slot each row's K and V are written to
 * @param groups attention batches; every row belongs to exactly one
 * @param unpackRows for each packed row, its row in the groups' concatenated padded output
 * @param sampleRows packed rows whose logits are wanted, in output order
 */
public record ForwardBatch(
    long[] tokens,
    long[] positions,
    long[] slots,
    List<AttentionGroup> groups,
    long[] unpackRows,
    long[] sampleRows) {

  public int numTokens() {
    return tokens.length;
  }
}
